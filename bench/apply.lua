-- wrk script: server-side apply of a Flunder with 50 fields (48 labels, two spec fields).
-- mode "create": a new object per request (named by thread and counter, so none collide);
-- mode "noop": the same object again and again (nothing changes after the first request);
-- mode "patch": a JSON merge patch of the same body onto that object (an Update, for comparison).
-- Pass the mode after --: wrk ... -s apply.lua URL -- create
local counter = 0
local ids = 0
local mode = "create"

function setup(thread)
  ids = ids + 1
  thread:set("thread_id", ids)
end

function init(args)
  mode = args[1] or "create"
end

local function labels()
  local parts = {}
  for i = 1, 48 do
    parts[#parts + 1] = string.format('"label-%02d":"value-%02d"', i, i)
  end
  return table.concat(parts, ",")
end
local LABELS = labels()

local function body(name)
  return string.format(
    '{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"%s","labels":{%s}},"spec":{"reference":"applied","referenceType":"Fischer"}}',
    name, LABELS)
end

function request()
  counter = counter + 1
  if mode == "create" then
    local name = string.format("apply-%d-%d", thread_id, counter)
    return wrk.format("PATCH", wrk.path .. "/" .. name .. "?fieldManager=bench",
      {["Content-Type"] = "application/apply-patch+yaml"}, body(name))
  elseif mode == "noop" then
    return wrk.format("PATCH", wrk.path .. "/applied?fieldManager=bench",
      {["Content-Type"] = "application/apply-patch+yaml"}, body("applied"))
  else
    return wrk.format("PATCH", wrk.path .. "/applied?fieldManager=bench-patch",
      {["Content-Type"] = "application/merge-patch+json"}, body("applied"))
  end
end
