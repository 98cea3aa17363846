-- tests/integration/hup-session.lua - one session, two RCPTs with a pause
-- between them, so the shell can reload the daemon (SIGHUP) while the
-- session stays open: used by t-reload.sh.
-- Globals from miltertest -D:
--   sock, mtlib     (always, from lib.sh)
--   rcpt1, want1    the first RCPT and its expected answer (see mtlib.lua)
--   ready           file this script creates once the first RCPT answered
--   go              file the script waits for (at most 10 s) before RCPT 2
--   rcpt2, want2    the second RCPT and its expected answer
--   auth            optional: SASL login name sent as {auth_authen}
--   max             optional: bound in seconds on each RCPT answer time
--   timeout         optional: miltertest read timeout in seconds
--   label           optional: text for the check lines
-- The answer times are printed in the check lines ("in N.NNN s"); the shell
-- reads the delays from the daemon's log.

local T = dofile(mtlib)

local function exists(path)
	local f = io.open(path, "r")
	if f then f:close() return true end
	return false
end

T.run(function()
	if timeout then mt.set_timeout(tonumber(timeout)) end
	local o = { label = label, max = max and tonumber(max) }
	local c = T.open{ auth = auth }
	T.expect(c, rcpt1, want1, o)
	local f = io.open(ready, "w")
	if f == nil then error("cannot create " .. ready) end
	f:close()
	local waited = 0
	while not exists(go) do
		if waited > 10 then error("no " .. go .. " within 10 s") end
		mt.sleep(0.05)
		waited = waited + 0.05
	end
	T.expect(c, rcpt2, want2, o)
	T.close(c)
end)
