-- Argo CD health check for mlcycle.io/ModelDeployment, read from the status the operator writes.
-- Appended to common.lua, whose helpers (condition, isTrue, firstTrue, describe, result) it uses.

-- A canary in flight is Progressing, even while an earlier rollback is still on record; an
-- aborted canary sets RolledBack, so it is Degraded below until a newer version serves.
local canary = obj.status.canary
if canary ~= nil and (canary.phase == "Progressing" or canary.phase == "Promoting")
    and firstTrue({ "InvalidSpec", "Failed", "Degraded" }) == nil then
  return result("Progressing", describe(condition("Progressing"), "Canary " .. canary.phase))
end

-- A rollback keeps the previous version serving, but a person should look at why.
local bad = firstTrue({ "InvalidSpec", "Failed", "RolledBack", "Degraded" })
if bad ~= nil then
  return result("Degraded", describe(bad, bad.type))
end
if phase == "Failed" or phase == "Degraded" or phase == "RolledBack" then
  return result("Degraded", describe(condition("Ready"), phase))
end
if obj.spec ~= nil and obj.spec.replicas == 0 then
  return result("Suspended", "Scaled to zero replicas")
end
if phase == "Available" or (phase == nil and isTrue("Ready")) then
  return result("Healthy", describe(condition("Ready"), "Available"))
end
return result("Progressing", describe(condition("Progressing"), phase or "Pending"))
