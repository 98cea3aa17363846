# debian/conffile.sed - /etc/milter-tarpit.conf from contrib/milter-tarpit.conf
#
# The text above "# Syntax:" (how to install the file by hand) becomes
# the package's; the lines that only the site can know (the directory, the bind,
# TLS, the domains) are commented out, so the daemon refuses to start
# (exit status 78, "no local domains") until the administrator sets them.
1i\
# /etc/milter-tarpit.conf - options file of milter-tarpit(8)\
#\
# NOT CONFIGURED YET. The lines for your site are commented out: the\
# directory (uri, base, filter, bind-dn, password-file, starttls) and your\
# domains (domain, delimiter). Without a "domain" line the daemon refuses\
# to start (exit status 78, "no local domains"). Set them, then:\
#   milter-tarpit -n\
#   systemctl enable --now milter-tarpit\
# See /usr/share/doc/milter-tarpit/README.Debian.\
#\
# The daemon reads this file when no -c is given; the unit names it with\
# -c. Owner root, group milter-tarpit, mode 0640 (dpkg-statoverride): the\
# daemon reads it again on SIGHUP, after it has dropped root.\
#
1,/^# Syntax:/{/^# Syntax:/!d}
s/^\(uri\|base\|filter\|bind-dn\|password-file\|domain\|delimiter\)\([ =]\)/#\1\2/
s/^starttls$/#starttls/
