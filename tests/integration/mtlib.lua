-- tests/integration/mtlib.lua - helpers for the miltertest scripts.
--
-- Loaded by each script with dofile(mtlib); the shell (lib.sh, mt_miltertest)
-- passes -D sock=inet:PORT@127.0.0.1 -D mtlib=/path/to/this/file.
-- miltertest prints nothing when a script raises an error, so every script
-- runs its body through T.run(), which reports errors and sets the exit
-- status: 0 all checks passed, 1 a check failed, 2 the script itself broke.
--
-- Output is one line per check: "ok N - ..." / "not ok N - ...".

local T = {}

T.checks = 0
T.failures = 0
T.sock = sock

local names = {}
names[SMFIR_CONTINUE] = "CONTINUE"
names[SMFIR_ACCEPT] = "ACCEPT"
names[SMFIR_REJECT] = "REJECT"
names[SMFIR_DISCARD] = "DISCARD"
names[SMFIR_TEMPFAIL] = "TEMPFAIL"
names[SMFIR_REPLYCODE] = "REPLYCODE"

function T.name(r)
	if r == nil then return "nil" end
	return names[r] or string.format("reply 0x%02x ('%s')", math.floor(r), string.char(math.floor(r)))
end

-- wall clock, sub-second (os.time() has 1 s resolution)
function T.now()
	local p = io.popen("date +%s.%N")
	local t = tonumber(p:read("*l"))
	p:close()
	return t
end

function T.ok(cond, desc)
	T.checks = T.checks + 1
	if cond then
		print(string.format("ok %d - %s", T.checks, desc))
	else
		T.failures = T.failures + 1
		print(string.format("not ok %d - %s", T.checks, desc))
	end
	io.stdout:flush()
	return cond
end

function T.note(s)
	print("# " .. s)
	io.stdout:flush()
end

-- a miltertest call returns nil on success, else an error string
local function call(what, err)
	if err ~= nil then error(what .. ": " .. tostring(err), 2) end
end

function T.connect()
	local conn = mt.connect(T.sock, 40, 0.25)
	if conn == nil then error("mt.connect(" .. T.sock .. ") failed") end
	return conn
end

-- T.open{auth=LOGIN, from=ADDR, ip=IP, helo=NAME}: connect, CONNECT, HELO and MAIL as
-- Postfix would (macro {auth_authen} at MAIL when auth is given).
function T.open(o)
	o = o or {}
	local conn = T.connect()
	-- steps the filter switched off in option negotiation are skipped,
	-- as the MTA would (miltertest refuses to send them)
	if not mt.test_option(conn, SMFIP_NOCONNECT) then
		call("mt.conninfo", mt.conninfo(conn, "client.test.invalid", o.ip or "127.0.0.1"))
		if mt.getreply(conn) ~= SMFIR_CONTINUE then
			error("CONNECT answered " .. T.name(mt.getreply(conn)))
		end
	end
	if not mt.test_option(conn, SMFIP_NOHELO) then
		call("mt.helo", mt.helo(conn, o.helo or "client.test.invalid"))
		if mt.getreply(conn) ~= SMFIR_CONTINUE then
			error("HELO answered " .. T.name(mt.getreply(conn)))
		end
	end
	if o.auth then
		call("mt.macro", mt.macro(conn, SMFIC_MAIL, "{auth_authen}", o.auth,
			"{auth_type}", "PLAIN", "{mail_addr}", "sender@elsewhere.org"))
	else
		call("mt.macro", mt.macro(conn, SMFIC_MAIL, "{mail_addr}", "sender@elsewhere.org"))
	end
	if not mt.test_option(conn, SMFIP_NOMAIL) then
		call("mt.mailfrom", mt.mailfrom(conn, o.from or "<sender@elsewhere.org>"))
		if mt.getreply(conn) ~= SMFIR_CONTINUE then
			error("MAIL answered " .. T.name(mt.getreply(conn)))
		end
	end
	return conn
end

function T.close(conn)
	mt.disconnect(conn)
end

-- T.rcpt(conn, addr[, macros]): send RCPT (macros: flat list of name, value
-- sent at SMFIC_RCPT first); returns the reply and the seconds it took.
function T.rcpt(conn, addr, macros)
	if macros then
		call("mt.macro", mt.macro(conn, SMFIC_RCPT, table.unpack(macros)))
	end
	local t0 = T.now()
	local err = mt.rcptto(conn, addr)
	local dt = T.now() - t0
	if err ~= nil then
		error(string.format("mt.rcptto(%s) failed after %.3f s: %s", addr, dt, tostring(err)))
	end
	return mt.getreply(conn), dt
end

-- T.expect(conn, addr, want, o): one RCPT and its checks.
--   want "continue": SMFIR_CONTINUE
--   want "reject":   SMFIR_REPLYCODE (the shell checks the code in the log)
--   want "tempfail": SMFIR_TEMPFAIL or SMFIR_REPLYCODE (the shell checks 451)
--   want "answer":   any reply at all (the session was not dropped)
--   o.min / o.max: bounds on the seconds the answer took; o.macros as T.rcpt.
function T.expect(conn, addr, want, o)
	o = o or {}
	local r, dt = T.rcpt(conn, addr, o.macros)
	local good
	if want == "continue" then
		good = (r == SMFIR_CONTINUE)
	elseif want == "reject" then
		good = (r == SMFIR_REPLYCODE)
	elseif want == "tempfail" then
		good = (r == SMFIR_TEMPFAIL or r == SMFIR_REPLYCODE)
	elseif want == "answer" then
		good = (r ~= nil and r ~= 0)
	else
		error("T.expect: unknown want " .. tostring(want))
	end
	local label = (o.label and (o.label .. ": ") or "") .. "RCPT " .. addr
	T.ok(good, string.format("%s -> %s (want %s) in %.3f s", label, T.name(r), want, dt))
	if o.min then
		T.ok(dt >= o.min, string.format("%s answered no sooner than %.3f s (took %.3f s)", label, o.min, dt))
	end
	if o.max then
		T.ok(dt < o.max, string.format("%s answered within %.3f s (took %.3f s)", label, o.max, dt))
	end
	return r, dt
end

function T.run(body)
	local okrun, err = xpcall(body, debug.traceback)
	if not okrun then
		print("not ok - script error: " .. tostring(err))
		io.stdout:flush()
		os.exit(2)
	end
	print(string.format("# %d checks, %d failed", T.checks, T.failures))
	io.stdout:flush()
	os.exit(T.failures == 0 and 0 or 1)
end

return T
