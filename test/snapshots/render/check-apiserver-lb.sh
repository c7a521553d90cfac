#!/bin/bash
# Rendered by hakube: keepalived drops this host's priority when the local LB stops answering.
pidof haproxy >/dev/null || exit 1
exec 3<>/dev/tcp/127.0.0.1/16443 || exit 1
exit 0
