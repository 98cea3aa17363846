-- tests/integration/rcpts.lua - one session, several RCPTs, each with its
-- expected answer: used by the shell tests that need many lookups quickly
-- (cache, users file).
-- Globals from miltertest -D:
--   sock, mtlib   (always, from lib.sh)
--   list          space-separated ADDR=WANT pairs, e.g.
--                 "<alice@example.com>=continue <nobody@example.com>=reject"
--                 (WANT as in mtlib.lua: continue, reject, tempfail, answer)
--   auth          optional: SASL login name sent as {auth_authen}
--   max           optional: bound in seconds on each RCPT answer time
--   timeout       optional: miltertest read timeout in seconds (default 10)
--   label         optional: text for the check lines

local T = dofile(mtlib)

T.run(function()
	if timeout then mt.set_timeout(tonumber(timeout)) end
	local c = T.open{ auth = auth }
	local n = 0
	for addr, want in string.gmatch(list, "(%S+)=(%a+)") do
		n = n + 1
		T.expect(c, addr, want, { label = label, max = max and tonumber(max) })
	end
	if n == 0 then error("rcpts.lua: empty list") end
	T.close(c)
end)
