-- wrk script: POST a new Flunder per request, named by thread and counter so none collide.
-- An optional prefix after -- keeps the names of repeated runs on one etcd apart.
local counter = 0
local prefix = "bench"
local ids = 0
-- thread_id is a global each thread receives from setup() (a local here would hide it).

-- wrk.format replaces wrk.headers (those of -H) with the table it is given: merge them back in,
-- so an Authorization header given on the command line is sent too.
local function headers(h)
  for k, v in pairs(wrk.headers) do
    if h[k] == nil then h[k] = v end
  end
  return h
end

function setup(thread)
  ids = ids + 1
  thread:set("thread_id", ids)
end

function init(args)
  prefix = args[1] or "bench"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"%s-%d-%d","labels":{"bench":"create"}},"spec":{"reference":"r%d"}}',
    prefix, thread_id, counter, counter)
  return wrk.format("POST", nil, headers({["Content-Type"] = "application/json"}), body)
end
