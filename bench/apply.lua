-- wrk script: server-side apply of a Flunder with 50 fields (48 labels, two spec fields).
-- mode "create": a new object per request (named by thread and counter, so none collide);
-- mode "noop": the same object again and again (nothing changes after the first request);
-- mode "patch": a JSON merge patch of the same body onto that object (an Update, for comparison);
-- mode "cycle": 100 objects applied in turn with a new spec.reference each time (a real change;
-- the first round creates them), the value prefixed by the second argument.
-- Pass the mode after --: wrk ... -s apply.lua URL -- create
local counter = 0
local ids = 0
local mode = "create"
local prefix = "a"

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
  mode = args[1] or "create"
  prefix = args[2] or "a"
end

local function labels()
  local parts = {}
  for i = 1, 48 do
    parts[#parts + 1] = string.format('"label-%02d":"value-%02d"', i, i)
  end
  return table.concat(parts, ",")
end
local LABELS = labels()

local function body(name, reference)
  return string.format(
    '{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"%s","labels":{%s}},"spec":{"reference":"%s","referenceType":"Fischer"}}',
    name, LABELS, reference or "applied")
end

function request()
  counter = counter + 1
  if mode == "create" then
    local name = string.format("apply-%d-%d", thread_id, counter)
    return wrk.format("PATCH", wrk.path .. "/" .. name .. "?fieldManager=bench",
      headers({["Content-Type"] = "application/apply-patch+yaml"}), body(name))
  elseif mode == "cycle" then
    local name = "apply-" .. (counter % 100)
    return wrk.format("PATCH", wrk.path .. "/" .. name .. "?fieldManager=bench",
      headers({["Content-Type"] = "application/apply-patch+yaml"}),
      body(name, string.format("%s-%d-%d", prefix, thread_id, counter)))
  elseif mode == "noop" then
    return wrk.format("PATCH", wrk.path .. "/applied?fieldManager=bench",
      headers({["Content-Type"] = "application/apply-patch+yaml"}), body("applied"))
  else
    return wrk.format("PATCH", wrk.path .. "/applied?fieldManager=bench-patch",
      headers({["Content-Type"] = "application/merge-patch+json"}), body("applied"))
  end
end
