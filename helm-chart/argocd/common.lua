-- The start every mlcycle Argo CD health check shares: reads the resource (obj), defines the
-- helpers and answers Progressing while the operator has not observed the latest generation.
-- The chart appends the kind's part (mlcycle.io_<Kind>.lua) to make one Argo CD health script.
local hs = {}

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function isTrue(conditionType)
  local c = condition(conditionType)
  return c ~= nil and c.status == "True"
end

-- "Reason: message" of a condition, or the fallback when it says nothing.
local function describe(c, fallback)
  if c == nil then
    return fallback
  end
  local text = c.reason or ""
  if c.message ~= nil and c.message ~= "" then
    if text ~= "" then
      text = text .. ": "
    end
    text = text .. c.message
  end
  if text == "" then
    return fallback
  end
  return text
end

-- The first of these condition types whose status is "True", or nil.
local function firstTrue(types)
  for _, t in ipairs(types) do
    if isTrue(t) then
      return condition(t)
    end
  end
  return nil
end

local function result(status, message)
  hs.status = status
  hs.message = message
  return hs
end

if obj.status == nil then
  return result("Progressing", "Waiting for the operator to report status")
end
local phase = obj.status.phase
local generation = obj.metadata ~= nil and obj.metadata.generation or nil
local observed = obj.status.observedGeneration
if generation ~= nil and observed ~= nil and observed < generation then
  return result("Progressing", "Waiting for the operator to observe generation " .. tostring(generation)
    .. " (observed " .. tostring(observed) .. ")")
end
