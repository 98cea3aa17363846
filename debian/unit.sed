# debian/unit.sed - /lib/systemd/system/milter-tarpit.service from
# contrib/milter-tarpit.service: the package's header, the binary in /usr/sbin.
1,/^\[Unit\]$/c\
# /lib/systemd/system/milter-tarpit.service - systemd unit for milter-tarpit(8)\
#\
# Not enabled at installation: set the directory and the domains in\
# /etc/milter-tarpit.conf first, then\
#   milter-tarpit -n && systemctl enable --now milter-tarpit\
# A start without them exits 78, which is not restarted. Local changes:\
# "systemctl edit milter-tarpit" (see README.Debian).\
\
[Unit]
s|/usr/local/sbin/milter-tarpit|/usr/sbin/milter-tarpit|
/^# Change ExecStart if/d
