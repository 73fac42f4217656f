-- Argo CD health check for mlcycle.io/TrainingRun, read from the status the operator writes.
-- Appended to common.lua, whose helpers (condition, isTrue, firstTrue, describe, result) it uses.

local bad = firstTrue({ "InvalidSpec", "Failed", "Degraded" })
if bad ~= nil then
  return result("Degraded", describe(bad, bad.type))
end
if phase == "Failed" then
  return result("Degraded", describe(condition("Ready"), "Training failed"))
end
if phase == "Succeeded" or (phase == nil and isTrue("Ready")) then
  local message = describe(condition("Ready"), "Training succeeded")
  local approved = condition("Approved")
  if approved ~= nil and approved.status == "False" then
    message = message .. "; model version not approved: " .. describe(approved, "rejected by the gates")
  end
  return result("Healthy", message)
end
if phase == "WaitingForFeatures" or isTrue("WaitingForFeatures") then
  return result("Progressing", describe(condition("WaitingForFeatures"), "Waiting for features"))
end
if phase == "Training" then
  return result("Progressing", describe(condition("Progressing"), "Training"))
end
return result("Progressing", describe(condition("Progressing"), "Pending"))
