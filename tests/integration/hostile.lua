-- tests/integration/hostile.lua - hostile input and odd callback orders,
-- run by t-hostile.sh against a daemon started with -d example.com -T 0.2.
-- Globals from miltertest -D: sock, mtlib, part (addr | nul | order | many),
-- n (with part=many: how many recipients).
-- Each case ends with a valid recipient, so "the daemon keeps serving" is
-- checked in the same run; the shell checks the log lines and slapd's filters.

local T = dofile(mtlib)

-- one session, one hostile RCPT, then alice in a new session
local function case(addr, want, label)
	local c = T.open{}
	T.expect(c, addr, want, { label = label, max = 2 })
	T.close(c)
end

local parts = {}

parts.addr = function()
	-- miltertest copies the argument into a 1024-byte buffer ("Input
	-- overflow" beyond): 1023 octets is the longest it sends.  t-hostile.sh
	-- sends 64 KiB through its own raw client.
	local big = "<" .. string.rep("x", 1023 - 14) .. "@example.com>"
	T.note("long address: " .. #big .. " octets (miltertest's maximum)")
	case(big, "reject", "1023-octet")
	case("", "reject", "empty string")
	case("<>", "reject", "null <>")
	case("<a@example.com", "reject", "unbalanced <")
	case("a@example.com>", "reject", "unbalanced >")
	case("<\"a@example.com>", "reject", "unbalanced quote")
	case("<a\"@example.com>", "reject", "stray quote")
	case("<\"john doe\"@example.com>", "reject", "quoted space")
	case("<\"a\\\"b\"@example.com>", "reject", "quoted escape")
	case("<@a.example,@b.example:alice@example.com>", "continue", "source route")
	case("<user@[192.0.2.1]>", "continue", "IP literal")
	case("<j\195\188rgen@example.com>", "reject", "UTF-8 local part")
	case("<user@ex\195\164mple.com>", "continue", "UTF-8 domain")
	case("<*@example.com>", "reject", "meta *")
	case("<a*b@example.com>", "reject", "meta a*b")
	case("<a(b@example.com>", "reject", "meta (")
	case("<a)b@example.com>", "reject", "meta )")
	case("<a\\b@example.com>", "reject", "meta backslash")
	case("<*)(|(mail=*@example.com>", "reject", "meta all")
	local c = T.open{}
	T.expect(c, "<alice@example.com>", "continue", { label = "after all that" })
	T.close(c)
end

parts.nul = function()
	-- libmilter passes RCPT arguments as NUL-separated strings: a NUL in
	-- the address splits it, the daemon sees argv[0] only.
	case("<alice\0@evil.example>", "answer", "NUL after alice")
	case("<nobody-nul\0alice@example.com>", "answer", "NUL mid address")
	local c = T.open{}
	T.expect(c, "<alice@example.com>", "continue", { label = "after NUL" })
	T.close(c)
end

parts.order = function()
	-- RCPT right after CONNECT (no HELO, no MAIL from us; note that
	-- miltertest inserts a MAIL <sender@example.com> of its own)
	local c = T.connect()
	if not mt.test_option(c, SMFIP_NOCONNECT) then
		assert(mt.conninfo(c, "client.test.invalid", "127.0.0.1") == nil)
		T.ok(mt.getreply(c) == SMFIR_CONTINUE, "order: CONNECT")
	end
	T.expect(c, "<alice@example.com>", "continue", { label = "order: RCPT without MAIL" })
	T.expect(c, "<nomail-unknown@example.com>", "reject", { label = "order: unknown RCPT without MAIL" })
	T.close(c)

	-- abort mid-transaction, then a new MAIL/RCPT
	c = T.open{}
	T.expect(c, "<abort1-unknown@example.com>", "reject", { label = "order: before abort" })
	assert(mt.abort(c) == nil)
	assert(mt.mailfrom(c, "<second@elsewhere.org>") == nil)
	T.ok(mt.getreply(c) == SMFIR_CONTINUE, "order: MAIL after abort")
	T.expect(c, "<bob@example.com>", "continue", { label = "order: RCPT after abort" })
	T.expect(c, "<abort2-unknown@example.com>", "reject", { label = "order: unknown after abort" })
	T.close(c)

	-- MAIL twice
	c = T.open{}
	assert(mt.mailfrom(c, "<twice@elsewhere.org>") == nil)
	T.ok(mt.getreply(c) == SMFIR_CONTINUE, "order: second MAIL")
	T.expect(c, "<alice@example.com>", "continue", { label = "order: RCPT after MAIL twice" })
	T.expect(c, "<twice-unknown@example.com>", "reject", { label = "order: unknown after MAIL twice" })
	T.close(c)

	-- RCPT after the EOM of a previous message, no new MAIL
	c = T.open{}
	T.expect(c, "<alice@example.com>", "continue", { label = "order: first message" })
	if not mt.test_option(c, SMFIP_NODATA) then
		assert(mt.data(c) == nil)
		T.note("DATA reply " .. T.name(mt.getreply(c)))
	end
	if not mt.test_option(c, SMFIP_NOEOH) then
		assert(mt.eoh(c) == nil)
		T.note("EOH reply " .. T.name(mt.getreply(c)))
	end
	if not mt.test_option(c, SMFIP_NOBODY) then
		assert(mt.bodystring(c, "hello\r\n") == nil)
		T.note("BODY reply " .. T.name(mt.getreply(c)))
	end
	assert(mt.eom(c) == nil)
	T.ok(mt.getreply(c) == SMFIR_CONTINUE or mt.getreply(c) == SMFIR_ACCEPT,
		"order: EOM answered " .. T.name(mt.getreply(c)))
	-- libmilter's state machine drops a RCPT after EOM without a new MAIL
	-- (no callback, no reply): accept an answer or silence, nothing else
	mt.set_timeout(2)
	local err = mt.rcptto(c, "<bob@example.com>")
	if err ~= nil then
		T.note("RCPT after EOM without MAIL: no reply (" .. tostring(err) .. ")")
		T.ok(true, "order: RCPT after EOM: dropped by libmilter, no reply")
	else
		T.ok(mt.getreply(c) == SMFIR_CONTINUE, "order: RCPT after EOM -> " .. T.name(mt.getreply(c)))
	end
	T.close(c)
	mt.set_timeout(10)
	c = T.open{}
	T.expect(c, "<alice@example.com>", "continue", { label = "order: new session after EOM case" })
	T.close(c)
end

-- part=many: n recipients in one message, every 10th valid
parts.many = function()
	local c = T.open{}
	local n = tonumber(n or 10000)
	local good, bad = 0, 0
	for i = 1, n do
		local addr, want
		if i % 10 == 0 then
			addr, want = "<alice@example.com>", SMFIR_CONTINUE
		else
			addr, want = string.format("<many-%d@example.com>", i), SMFIR_REPLYCODE
		end
		local err = mt.rcptto(c, addr)
		if err ~= nil then error("RCPT " .. i .. ": " .. tostring(err)) end
		if mt.getreply(c) == want then good = good + 1 else
			bad = bad + 1
			if bad < 5 then T.note(addr .. " answered " .. T.name(mt.getreply(c))) end
		end
	end
	T.ok(bad == 0, string.format("many: %d of %d recipients answered as expected", good, n))
	T.close(c)
end

-- part=hold: one anonymous unknown RCPT, the script is killed in the tarpit
parts.hold = function()
	local c = T.open{}
	T.note("sending RCPT, expect to be killed while it sleeps")
	mt.rcptto(c, "<held-unknown@example.com>")
	T.close(c)
end

T.run(function()
	mt.set_timeout(tonumber(timeout or 10))
	local f = parts[part]
	if f == nil then error("unknown part " .. tostring(part)) end
	f()
end)
