-- tests/integration/defence.lua - one session from a chosen client address,
-- an optional check of the MAIL FROM answer, then RCPTs each with its
-- expected answer and timing: used by t-defence.sh (harvest defence).
-- Globals from miltertest -D:
--   sock, mtlib   (always, from lib.sh)
--   ip            client address the daemon sees (mt.conninfo), IPv4 or
--                 IPv6; default 127.0.0.1
--   auth          optional: SASL login name sent as {auth_authen} at MAIL
--   from          optional: envelope sender (default <sender@elsewhere.org>)
--   mailwant      optional: expected answer to MAIL FROM (continue, reject,
--                 tempfail, answer as in mtlib.lua); without it MAIL must
--                 be answered CONTINUE.  If MAIL is not answered CONTINUE,
--                 no RCPT is sent.
--   mailmin, mailmax  optional: bounds in seconds on the MAIL answer time
--   list          optional: space-separated ADDR=WANT[/MIN[/MAX]] items,
--                 e.g. "<nobody@example.com>=reject/0.2/1.5
--                 <alice@example.com>=continue//0.3"
--   label         optional: text for the check lines
--   timeout       optional: miltertest read timeout in seconds (default 10)
--   eom           optional: "1" sends the message (DATA, EOM) after the
--                 RCPTs, which must be answered CONTINUE: a delivered
--                 message

local T = dofile(mtlib)

local function num(s)
	if s == nil or s == "" then return nil end
	return tonumber(s)
end

T.run(function()
	if timeout then mt.set_timeout(tonumber(timeout)) end
	local lbl = (label and (label .. ": ") or "") .. (ip or "127.0.0.1")
	local conn = T.connect()
	if not mt.test_option(conn, SMFIP_NOCONNECT) then
		local err = mt.conninfo(conn, "client.test.invalid", ip or "127.0.0.1")
		if err ~= nil then error("mt.conninfo: " .. tostring(err)) end
		if mt.getreply(conn) ~= SMFIR_CONTINUE then
			error("CONNECT answered " .. T.name(mt.getreply(conn)))
		end
	end
	if not mt.test_option(conn, SMFIP_NOHELO) then
		local err = mt.helo(conn, "client.test.invalid")
		if err ~= nil then error("mt.helo: " .. tostring(err)) end
	end
	local sender = from or "<sender@elsewhere.org>"
	local err
	if auth then
		err = mt.macro(conn, SMFIC_MAIL, "{auth_authen}", auth,
			"{auth_type}", "PLAIN", "{mail_addr}", sender)
	else
		err = mt.macro(conn, SMFIC_MAIL, "{mail_addr}", sender)
	end
	if err ~= nil then error("mt.macro: " .. tostring(err)) end
	local t0 = T.now()
	err = mt.mailfrom(conn, sender)
	local dt = T.now() - t0
	if err ~= nil then
		error(string.format("mt.mailfrom(%s) failed after %.3f s: %s", sender, dt, tostring(err)))
	end
	local r = mt.getreply(conn)
	if mailwant then
		local good
		if mailwant == "continue" then
			good = (r == SMFIR_CONTINUE)
		elseif mailwant == "reject" then
			good = (r == SMFIR_REPLYCODE)
		elseif mailwant == "tempfail" then
			good = (r == SMFIR_TEMPFAIL or r == SMFIR_REPLYCODE)
		else
			good = (r ~= nil and r ~= 0)
		end
		T.ok(good, string.format("%s: MAIL FROM %s -> %s (want %s) in %.3f s",
			lbl, sender, T.name(r), mailwant, dt))
		local mn, mx = num(mailmin), num(mailmax)
		if mn then
			T.ok(dt >= mn, string.format("%s: MAIL FROM %s answered no sooner than %.3f s (took %.3f s)",
				lbl, sender, mn, dt))
		end
		if mx then
			T.ok(dt < mx, string.format("%s: MAIL FROM %s answered within %.3f s (took %.3f s)",
				lbl, sender, mx, dt))
		end
	elseif r ~= SMFIR_CONTINUE then
		error(string.format("MAIL FROM %s answered %s", sender, T.name(r)))
	end
	if r == SMFIR_CONTINUE and list then
		for item in string.gmatch(list, "%S+") do
			local addr, want, rest = string.match(item, "^(.+)=(%a+)(.*)$")
			if addr == nil then error("defence.lua: bad list item " .. item) end
			local mn, mx = string.match(rest, "^/([%d%.]*)/?([%d%.]*)$")
			T.expect(conn, addr, want, { label = lbl, min = num(mn), max = num(mx) })
		end
	end
	if eom == "1" then
		if not mt.test_option(conn, SMFIP_NODATA) then
			assert(mt.data(conn) == nil)
		end
		if not mt.test_option(conn, SMFIP_NOEOH) then
			assert(mt.eoh(conn) == nil)
		end
		if not mt.test_option(conn, SMFIP_NOBODY) then
			assert(mt.bodystring(conn, "hello\r\n") == nil)
		end
		assert(mt.eom(conn) == nil)
		T.ok(mt.getreply(conn) == SMFIR_CONTINUE,
			lbl .. ": EOM answered " .. T.name(mt.getreply(conn)))
	end
	T.close(conn)
end)
