-- wrk script: POST a new Flunder per request, named by thread and counter so none collide.
local counter = 0
local ids = 0
-- thread_id is a global each thread receives from setup() (a local here would hide it).

function setup(thread)
  ids = ids + 1
  thread:set("thread_id", ids)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"bench-%d-%d","labels":{"bench":"create"}},"spec":{"reference":"r%d"}}',
    thread_id, counter, counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
