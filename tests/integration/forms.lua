-- tests/integration/forms.lua - the address forms Postfix accepts for our
-- domains: subdomains, trailing dot, case, IDN, percent hack, bang paths,
-- user@domain@domain, quoted and obsolete local parts.
--
-- Run by t-forms.sh against a daemon started with
--   -d example.com,bücher.example -e + -T $delay  (directory:
--   contrib/example.ldif), which then checks the daemon's decision lines
-- and what slapd was asked.  Each address is used in one case only.
-- Globals from miltertest -D: sock, mtlib, delay.

local T = dofile(mtlib)
local delay = tonumber(delay)
local quick = 0.5                 -- "no delay"
local slow = delay + 1.5          -- tarpit upper bound

-- tarpit(c, addr, label): an unknown recipient of ours, anonymous: 550
-- after the delay
local function tarpit(c, addr, label)
	T.expect(c, addr, "reject", { label = label, min = delay, max = slow })
end
local function pass(c, addr, label)
	T.expect(c, addr, "continue", { label = label, max = quick })
end

T.run(function()
	local c = T.open{}
	-- (1) domains
	tarpit(c, "<nobody-sub@mx.example.com>", "subdomain of a -d domain")
	tarpit(c, "<nobody-dot@example.com.>", "trailing root dot")
	tarpit(c, "<Nobody-Case@EXAMPLE.Com>", "domain in mixed case")
	tarpit(c, "<nobody-alabel@xn--bcher-kva.example>", "A-label of -d bücher.example")
	tarpit(c, "<nobody-ulabel@B\195\156CHER.example>", "upper-case U-label of -d bücher.example")
	-- (2) percent hack, bang paths, user@domain@domain
	tarpit(c, "<nobody-pct%example.com@[127.0.0.1]>", "percent hack behind our address literal")
	tarpit(c, "<nobody-pct2%example.com@example.com>", "percent hack behind our domain")
	pass(c, "<alice%example.com@example.com>", "percent hack to a known address")
	tarpit(c, "<example.com!nobody-bang@[127.0.0.1]>", "bang path behind our address literal")
	tarpit(c, "<example.com!nobody-bang2@example.com>", "bang path behind our domain")
	pass(c, "<example.com!bob@example.com>", "bang path to a known address")
	tarpit(c, "<nobody-at@example.com@[127.0.0.1]>", "user@domain@[literal]")
	pass(c, "<robert@example.com@[127.0.0.1]>", "known user@domain@[literal]")
	pass(c, "<someone%elsewhere.org@example.com>", "percent hack out of our domains")
	-- (3) quoted and obsolete local parts
	pass(c, "<\"erin\".mixed@example.com>", "obsolete local part of a known address")
	tarpit(c, "<\"nobody\".\"quoted\"@example.com>", "obsolete local part, unknown")
	pass(c, "<\"john\"doe@elsewhere.org>", "odd local part, foreign domain: not ours to judge")
	T.expect(c, "<\"erin\"mixed@example.com>", "reject",
		{ label = "odd local part in our domain: 501", max = quick })
	T.close(c)

	c = T.open{ auth = "alice@example.com" }
	pass(c, "<\"john\".\"doe\"@gmail.com>", "authenticated relay to an obsolete local part")
	T.close(c)
end)
