-- wrk script: a merge patch (an Update) of spec.reference, round robin over obj-1 .. obj-1000 of
-- the URL's collection, a new value each time so every request is a real write.
-- Pass a prefix after -- to keep the values of repeated runs apart.
local counter = 0
local ids = 0
local prefix = "u"

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
  prefix = args[1] or "u"
end

function request()
  counter = counter + 1
  local n = ((counter * 2 + thread_id) % 1000) + 1
  return wrk.format("PATCH", wrk.path .. "/obj-" .. n, headers({["Content-Type"] = "application/merge-patch+json"}),
    string.format('{"spec":{"reference":"%s-%d-%d"}}', prefix, thread_id, counter))
end
