-- tests/integration/decisions.lua - the per-RCPT decisions of SPEC.md.
--
-- Run by t-decisions.sh against a daemon started with
--   -d example.com -e + -T $delay  (directory: contrib/example.ldif)
-- which then checks the daemon's log lines and slapd's search log for the
-- addresses used here (each address is used in one case only).
-- Globals from miltertest -D: sock, mtlib, delay.

local T = dofile(mtlib)
local delay = tonumber(delay)
local quick = 0.5                 -- "no delay"
local slow = delay + 1.5          -- tarpit upper bound

T.run(function()
	-- Anonymous session: one message, recipients judged one by one.
	local c = T.open{}
	T.expect(c, "<alice@example.com>", "continue",
		{ label = "anon valid", max = quick, macros = { "i", "4XyZ12" } })
	T.expect(c, "<nobody@example.com>", "reject",
		{ label = "anon unknown (tarpit)", min = delay, max = slow })
	T.expect(c, "<bob@example.com>", "continue",
		{ label = "anon valid after a reject, same message", max = quick })
	T.expect(c, "<nobody2@example.com>", "reject",
		{ label = "anon second unknown, same message", min = delay, max = slow })
	T.expect(c, "<someone@elsewhere.org>", "continue",
		{ label = "anon non-local", max = quick })
	T.expect(c, "<postmaster@example.com>", "continue",
		{ label = "anon postmaster@local", max = quick })
	T.expect(c, "<PostMaster@Example.COM>", "continue",
		{ label = "anon postmaster, mixed case", max = quick })
	T.expect(c, "<postmaster>", "continue",
		{ label = "anon bare <postmaster>", max = quick })
	-- Syntactically invalid: 501, no delay even when anonymous.
	T.expect(c, "<>", "reject", { label = "anon empty <>", max = quick })
	T.expect(c, "<\"unbalanced@example.com>", "reject",
		{ label = "anon unbalanced quote", max = quick })
	T.expect(c, "<toolong-" .. string.rep("x", 900) .. "@example.com>", "reject",
		{ label = "anon over-long (900-octet local part)", max = quick })
	T.close(c)

	-- Authenticated session ({auth_authen} at MAIL): rejects, no delay.
	c = T.open{ auth = "alice@example.com" }
	T.expect(c, "<nobody-auth@example.com>", "reject",
		{ label = "auth unknown (no tarpit)", max = quick })
	T.expect(c, "<alice@example.com>", "continue", { label = "auth valid", max = quick })
	-- recipient delimiter "+"
	T.expect(c, "<alice+tag@example.com>", "continue",
		{ label = "auth user+tag of existing user", max = quick })
	T.expect(c, "<carol+lists@example.com>", "continue",
		{ label = "auth address with a literal + in the directory", max = quick })
	T.expect(c, "<carol+other@example.com>", "reject",
		{ label = "auth carol+other (carol@ does not exist)", max = quick })
	T.expect(c, "<nobody+tag@example.com>", "reject",
		{ label = "auth unknown user+tag", max = quick })
	-- other entries of the directory
	T.expect(c, "<robert@example.com>", "continue",
		{ label = "auth second mail value of an entry", max = quick })
	T.expect(c, "<erin.mixed@example.com>", "continue",
		{ label = "auth case-insensitive match (Erin.Mixed@Example.COM)", max = quick })
	T.expect(c, "<star@example.com>", "continue", { label = "auth star@", max = quick })
	-- the local domain in upper case is still local (and looked up)
	T.expect(c, "<nobody-upper@EXAMPLE.COM>", "reject",
		{ label = "auth unknown in upper-case local domain", max = quick })
	-- LDAP filter injection: each would match entries if not escaped
	T.expect(c, "<*)(mail=*@example.com>", "reject", { label = "injection 1", max = quick })
	T.expect(c, "<*@example.com>", "reject", { label = "injection 2", max = quick })
	T.expect(c, "<a\\29b@example.com>", "reject", { label = "injection 3", max = quick })
	T.expect(c, "<alice)(mail=*@example.com>", "reject", { label = "injection 4", max = quick })
	T.expect(c, "<st*r@example.com>", "reject", { label = "injection 5", max = quick })
	T.expect(c, "<al*@example.com>", "reject", { label = "injection 6", max = quick })
	T.close(c)
end)
