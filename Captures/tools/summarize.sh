#!/usr/bin/env bash
# Print what tshark sees in each capture: one line a packet with TCP flags,
# payload length, TLS record/handshake/alert details.  Used to check the
# manifest against the wire:  bash Captures/tools/summarize.sh [FILE...]
cd "$(dirname "$0")/.." || exit 1
files=("$@")
[ ${#files[@]} -eq 0 ] && files=([0-9]*.pcap [0-9]*.pcapng [0-9]*.pcap.gz)
for f in "${files[@]}"; do
    echo "### $f"
    # STARTTLS and RDP ports need telling tshark which protocol runs there
    tshark -r "$f" -n \
        -d tcp.port==44318,tpkt -d tcp.port==44319,tpkt -d tcp.port==44320,tpkt \
        -d tcp.port==44328,smtp -d tcp.port==44337,smtp -d tcp.port==44437,smtp \
        -d tcp.port==44329,imap -d tcp.port==44330,pop -d tcp.port==44331,ftp \
        -d tcp.port==44332,xmpp -d tcp.port==44333,pgsql -d tcp.port==44338,pgsql \
        -d tcp.port==44334,ldap -d tcp.port==44335,irc -d tcp.port==44336,mysql \
        -d tcp.port==44325,http \
        -T fields -E separator=' ' \
        -e frame.number -e frame.time_relative -e tcp.srcport -e tcp.dstport \
        -e tcp.flags.str -e tcp.seq -e tcp.len -e _ws.col.Protocol \
        -e tls.handshake.type -e tls.alert_message.level -e tls.alert_message.desc \
        -e _ws.col.Info 2>/dev/null | cut -c1-220
done
