-- Argo CD health check for mlcycle.io/ModelVersion, read from the status the operator writes.
-- Appended to common.lua, whose helpers (condition, isTrue, firstTrue, describe, result) it uses.

local bad = firstTrue({ "InvalidSpec", "Failed", "Degraded", "RolledBack" })
if bad ~= nil then
  return result("Degraded", describe(bad, bad.type))
end
local approved = condition("Approved")
if phase == "RolledBack" then
  return result("Degraded", describe(condition("RolledBack"), "Rolled back"))
end
if phase == "Rejected" or (approved ~= nil and approved.status == "False") then
  return result("Degraded", "Rejected: " .. describe(approved, "did not pass the gates"))
end
if phase == "Approved" or (approved ~= nil and approved.status == "True") then
  return result("Healthy", describe(approved, "Approved"))
end
-- The gates could not decide: the version waits for a person to set spec.approval.
if approved ~= nil and approved.status == "Unknown" then
  return result("Suspended", "Waiting for approval: " .. describe(approved, "the gates did not decide"))
end
return result("Progressing", describe(condition("Progressing"), "Evaluating the gates"))
