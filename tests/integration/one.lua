-- tests/integration/one.lua - one session, one RCPT: used by the shell tests
-- for directory outages, concurrency and signals.
-- Globals from miltertest -D:
--   sock, mtlib   (always, from lib.sh)
--   rcpt          recipient, e.g. "<alice@example.com>"
--   want          continue | reject | tempfail | answer  (see mtlib.lua)
--   auth          optional: SASL login name sent as {auth_authen}
--   min, max      optional: bounds in seconds on the RCPT answer time
--   timeout       optional: miltertest read timeout in seconds (default 10)
--   label         optional: text for the check lines
--   helo          optional: the HELO name (default client.test.invalid)

local T = dofile(mtlib)

T.run(function()
	if timeout then mt.set_timeout(tonumber(timeout)) end
	local c = T.open{ auth = auth, helo = helo }
	T.expect(c, rcpt, want, {
		label = label,
		min = min and tonumber(min),
		max = max and tonumber(max),
	})
	T.close(c)
end)
