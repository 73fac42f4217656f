-- Argo CD health check for mlcycle.io/FeatureView, read from the status the operator writes.
-- Appended to common.lua, whose helpers (condition, isTrue, firstTrue, describe, result) it uses.

local bad = firstTrue({ "InvalidSpec", "Failed", "ValidationFailed", "Degraded" })
if bad ~= nil then
  return result("Degraded", describe(bad, bad.type))
end
if phase == "Failed" then
  return result("Degraded", describe(condition("Ready"), "Materialization failed"))
end
if phase == "Ready" then
  return result("Healthy", describe(condition("Ready"), "Feature table is ready"))
end
if phase == "WaitingForData" or isTrue("WaitingForData") then
  return result("Progressing", describe(condition("WaitingForData"), "Waiting for source data"))
end
if phase == "Materializing" then
  return result("Progressing", describe(condition("Progressing"), "Materializing"))
end
if phase == nil and isTrue("Ready") then
  return result("Healthy", describe(condition("Ready"), "Feature table is ready"))
end
return result("Progressing", describe(condition("Progressing"), "Pending"))
