// Generated from the shared corpus with tshark (see each comment); do not edit by hand.
// Client bytes are `.c`, server bytes `.s`, in the order the capture has them.

enum Traces {
    /// `tshark -r zeek/traces/rdp/rdp-to-ssl.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/rdp/rdp-to-ssl.pcap -d tcp.port==3389,tls -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 48, server seq 20 (relative; stream offset = seq - 1).
    static let rdpToSSL = Trace(
        file: "zeek/traces/rdp/rdp-to-ssl.pcap", serverPort: 3389,
        tsharkTLSOffsets: (47, 19),
        segments: [
            .c("0300002f2ae00000000000436f6f6b69653a206d737473686173683d4157414b45434f44490d0a0100080003000000"),
            .s("030000130ed000001234000201080002000000"),
            .c("16030100740100007003014d570ec58a"),
            .s("16030103560200004603014d570ec5dc"),
        ])

    /// `tshark -r zeek/traces/rdp/rdp-no-cookie-mstshash.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/rdp/rdp-no-cookie-mstshash.pcap -d tcp.port==3389,tls -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 20, server seq 20 (relative; stream offset = seq - 1).
    static let rdpNoCookie = Trace(
        file: "zeek/traces/rdp/rdp-no-cookie-mstshash.pcap", serverPort: 3389,
        tsharkTLSOffsets: (19, 19),
        segments: [
            .c("030000130ee00000000000010008000b000000"),
            .s("030000130ed00000123400021f080008000000"),
            .c("160303008e0100008a030367b4ac55e2"),
            .s("160303036302000051030367b4ac55f7"),
        ])

    /// `tshark -r zeek/traces/tls/smtp-starttls.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/tls/smtp-starttls.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 36, server seq 225 (relative; stream offset = seq - 1).
    static let smtpStarttls = Trace(
        file: "zeek/traces/tls/smtp-starttls.pcap", serverPort: 25,
        tsharkTLSOffsets: (35, 224),
        segments: [
            .s(
                "323230206d782e676f6f676c652e636f6d2045534d545020686631307369343039373239396963632e313930202d2067" +
                "736d74700d0a"
            ),
            .c("45484c4f206f70656e73736c2e636c69656e742e6e65740d0a"),
            .s(
                "3235302d6d782e676f6f676c652e636f6d20617420796f757220736572766963652c205b3139322e3135302e3138372e" +
                "3233375d0d0a3235302d53495a452033353838323537370d0a3235302d384249544d494d450d0a3235302d5354415254" +
                "544c530d0a3235302d454e48414e434544535441545553434f4445530d0a323530204348554e4b494e470d0a"
            ),
            .c("5354415254544c530d0a"),
            .s("32323020322e302e3020526561647920746f20737461727420544c530d0a"),
            .c("1603010200010001fc0303bbb4b8067f"),
            .s("160303003d0200003903035374dfcd4d"),
        ])

    /// `tshark -r arkime/pcap/smtp-starttls.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r arkime/pcap/smtp-starttls.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 39, server seq 236 (relative; stream offset = seq - 1).
    static let arkimeSmtpStarttls = Trace(
        file: "arkime/pcap/smtp-starttls.pcap", serverPort: 25,
        tsharkTLSOffsets: (38, 235),
        segments: [
            .s(
                "323230206d782e676f6f676c652e636f6d2045534d54502073347369393639363335387163632e3633202d2067736d74" +
                "700d0a"
            ),
            .c("45484c4f20787878787878787878787878782e7878782e636f6d0d0a"),
            .s(
                "3235302d6d782e676f6f676c652e636f6d20617420796f757220736572766963652c205b31302e3030302e3030302e30" +
                "315d0d0a3235302d53495a452033353838323537370d0a3235302d384249544d494d450d0a3235302d5354415254544c" +
                "530d0a3235302d454e48414e434544535441545553434f4445530d0a3235302d504950454c494e494e470d0a32353020" +
                "4348554e4b494e470d0a"
            ),
            .c("5354415254544c530d0a"),
            .s("32323020322e302e3020526561647920746f20737461727420544c530d0a"),
            .c("160301006b01000067030152bb75e44e"),
            .s("160301003502000031030152bb75e401"),
        ])

    /// `tshark -r zeek/traces/tls/imap-starttls.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/tls/imap-starttls.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 27, server seq 531 (relative; stream offset = seq - 1).
    static let imapStarttls = Trace(
        file: "zeek/traces/tls/imap-starttls.pcap", serverPort: 143,
        tsharkTLSOffsets: (26, 530),
        segments: [
            .s(
                "2a204f4b205b4341504142494c49545920494d41503472657631204348494c4452454e20454e41424c45204944204944" +
                "4c45204c4953542d455854454e444544204c4953542d535441545553204c49544552414c2b204d4f5645204e414d4553" +
                "50414345205341534c2d495220534f5254205350454349414c2d555345205448524541443d4f5244455245445355424a" +
                "45435420554944504c555320554e53454c4543542057495448494e205354415254544c5320415554483d4c4f47494e20" +
                "415554483d504c41494e5d20494d4150207365727665722072656164792048206d69676d783031332031303435363820" +
                "494d41502d304d30556e622d315977494f733262354b2d3030754531780d0a"
            ),
            .c("2e204341504142494c4954590d0a"),
            .s(
                "2a204341504142494c49545920494d41503472657631204348494c4452454e20454e41424c452049442049444c45204c" +
                "4953542d455854454e444544204c4953542d535441545553204c49544552414c2b204d4f5645204e414d455350414345" +
                "205341534c2d495220534f5254205350454349414c2d555345205448524541443d4f5244455245445355424a45435420" +
                "554944504c555320554e53454c4543542057495448494e205354415254544c5320415554483d4c4f47494e2041555448" +
                "3d504c41494e0d0a2e204f4b204341504142494c49545920636f6d706c657465640d0a"
            ),
            .c("2e205354415254544c530d0a"),
            .s("2e204f4b20426567696e20544c53206e65676f74696174696f6e206e6f770d0a"),
            .c("16030101390100013503031418d61e6d"),
            .s("160303005702000053030355afcc30e8"),
        ])

    /// `tshark -r zeek/traces/tls/pop3-starttls.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/tls/pop3-starttls.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 7, server seq 139 (relative; stream offset = seq - 1).
    static let pop3Starttls = Trace(
        file: "zeek/traces/tls/pop3-starttls.pcap", serverPort: 110,
        tsharkTLSOffsets: (6, 138),
        segments: [
            .s(
                "2b4f4b206c6164796d6163626574682e6c6f63616c20437972757320504f50332076322e332e31362073657276657220" +
                "7265616479203c31353132353635353732373731323530333832342e31343030313733353532406c6164796d61636265" +
                "74682e6c6f63616c3e0d0a"
            ),
            .c("53544c530d0a"),
            .s("2b4f4b20426567696e20544c53206e65676f74696174696f6e206e6f770d0a"),
            .c("1603010200010001fc03032d1ca7ab44"),
            .s("160303003a020000360303ceb1231390"),
        ])

    /// `tshark -r zeek/traces/ftp/ftp-auth-tls.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/ftp/ftp-auth-tls.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 17, server seq 146 (relative; stream offset = seq - 1).
    static let ftpAuthTLS = Trace(
        file: "zeek/traces/ftp/ftp-auth-tls.pcap", serverPort: 21,
        tsharkTLSOffsets: (16, 145),
        segments: [
            .s("323230202876734654506420332e302e35290d0a"),
            .c("464541540d0a"),
            .s("3231312d46656174757265733a0d0a"),
            .s("20455052540d0a"),
            .s("20455053560d0a"),
            .s("204d44544d0d0a"),
            .s("20504153560d0a"),
            .s("205042535a0d0a"),
            .s("2050524f540d0a"),
            .s("20524553542053545245414d0d0a"),
            .s("2053495a450d0a"),
            .s("20545646530d0a"),
            .s("32313120456e640d0a"),
            .c("4155544820544c530d0a"),
            .s("3233342050726f636565642077697468206e65676f74696174696f6e2e0d0a"),
            .c("160303017e0100017a0303668d30644c"),
            .s("160303009b020000970303d8e56565b0"),
        ])

    /// `tshark -r zeek/traces/tls/xmpp-starttls.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/tls/xmpp-starttls.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 170, server seq 526 (relative; stream offset = seq - 1).
    static let xmppStarttls = Trace(
        file: "zeek/traces/tls/xmpp-starttls.pcap", serverPort: 5222,
        tsharkTLSOffsets: (169, 525),
        segments: [
            .c(
                "3c73747265616d3a73747265616d20786d6c6e733a73747265616d3d27687474703a2f2f6574686572782e6a61626265" +
                "722e6f72672f73747265616d732720786d6c6e733d276a61626265723a636c69656e742720746f3d276a61626265722e" +
                "6363632e6465272076657273696f6e3d27312e30273e"
            ),
            .s(
                "3c3f786d6c2076657273696f6e3d27312e30273f3e3c73747265616d3a73747265616d20786d6c6e733d276a61626265" +
                "723a636c69656e742720786d6c6e733a73747265616d3d27687474703a2f2f6574686572782e6a61626265722e6f7267" +
                "2f73747265616d73272069643d2733343439353738343838272066726f6d3d276a61626265722e6363632e6465272076" +
                "657273696f6e3d27312e302720786d6c3a6c616e673d27656e273e"
            ),
            .s(
                "3c73747265616d3a66656174757265733e3c7374617274746c7320786d6c6e733d2775726e3a696574663a706172616d" +
                "733a786d6c3a6e733a786d70702d746c73273e3c72657175697265642f3e3c2f7374617274746c733e3c6320786d6c6e" +
                "733d27687474703a2f2f6a61626265722e6f72672f70726f746f636f6c2f636170732720686173683d277368612d3127" +
                "206e6f64653d27687474703a2f2f7777772e70726f636573732d6f6e652e6e65742f656e2f656a6162626572642f2720" +
                "7665723d276c4a634169736c434e63575473706c4f6a474154377153485179733d272f3e3c726567697374657220786d" +
                "6c6e733d27687474703a2f2f6a61626265722e6f72672f66656174757265732f69712d7265676973746572272f3e3c2f" +
                "73747265616d3a66656174757265733e"
            ),
            .c(
                "3c7374617274746c7320786d6c6e733d2775726e3a696574663a706172616d733a786d6c3a6e733a786d70702d746c73" +
                "272f3e"
            ),
            .s(
                "3c70726f6365656420786d6c6e733d2775726e3a696574663a706172616d733a786d6c3a6e733a786d70702d746c7327" +
                "2f3e"
            ),
            .c("160301013901000135030367e613d29f"),
            .s("160303003e0200003a030355a8477689"),
        ])

    /// `tshark -r zeek/traces/tls/xmpp-dialback-starttls.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/tls/xmpp-dialback-starttls.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 221, server seq 416 (relative; stream offset = seq - 1).
    static let xmppDialbackStarttls = Trace(
        file: "zeek/traces/tls/xmpp-dialback-starttls.pcap", serverPort: 5269,
        tsharkTLSOffsets: (220, 415),
        segments: [
            .c(
                "3c3f786d6c2076657273696f6e3d27312e30273f3e3c73747265616d3a73747265616d20786d6c6e733a73747265616d" +
                "3d27687474703a2f2f6574686572782e6a61626265722e6f72672f73747265616d732720786d6c6e733d276a61626265" +
                "723a7365727665722720786d6c6e733a64623d276a61626265723a7365727665723a6469616c6261636b2720746f3d27" +
                "3078786f6e2e6e6574272076657273696f6e3d27312e30273e"
            ),
            .s(
                "3c3f786d6c2076657273696f6e3d27312e30273f3e3c73747265616d3a73747265616d20786d6c6e733a64623d276a61" +
                "626265723a7365727665723a6469616c6261636b2720786d6c6e733a73747265616d3d27687474703a2f2f6574686572" +
                "782e6a61626265722e6f72672f73747265616d73272076657273696f6e3d27312e30272066726f6d3d273078786f6e2e" +
                "6e6574272069643d2766326664343137392d623131622d343965312d386130322d663634326662323466326334272074" +
                "6f3d272720786d6c3a6c616e673d27656e2720786d6c6e733d276a61626265723a736572766572273e3c73747265616d" +
                "3a66656174757265733e3c6469616c6261636b20786d6c6e733d2775726e3a786d70703a66656174757265733a646961" +
                "6c6261636b272f3e3c7374617274746c7320786d6c6e733d2775726e3a696574663a706172616d733a786d6c3a6e733a" +
                "786d70702d746c73272f3e3c2f73747265616d3a66656174757265733e"
            ),
            .c(
                "3c7374617274746c7320786d6c6e733d2775726e3a696574663a706172616d733a786d6c3a6e733a786d70702d746c73" +
                "272f3e"
            ),
            .s(
                "3c70726f6365656420786d6c6e733d2775726e3a696574663a706172616d733a786d6c3a6e733a786d70702d746c7327" +
                "2f3e"
            ),
            .c("160301011b01000117030355ae9cdb9d"),
            .s("160303003e0200003a0303da4e8cd433"),
        ])

    /// `tshark -r zeek/traces/tls/irc-starttls.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/tls/irc-starttls.pcap -d tcp.port==6667,tls -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 11, server seq 75 (relative; stream offset = seq - 1).
    static let ircStarttls = Trace(
        file: "zeek/traces/tls/irc-starttls.pcap", serverPort: 6667,
        tsharkTLSOffsets: (10, 74),
        segments: [
            .c("5354415254544c530d0a"),
            .s(
                "3a6972632e6a6f756c756e65742e6f72672036373020203a5354415254544c53207375636365737366756c2c20676f20" +
                "6168656164207769746820544c532068616e647368616b650d0a"
            ),
            .c("160301013801000134030306ae009637"),
            .s("160303003a02000036030341e2687e49"),
        ])

    /// `tshark -r zeek/traces/ldap/ldap-starttls.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/ldap/ldap-starttls.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 32, server seq 15 (relative; stream offset = seq - 1).
    static let ldapStarttls = Trace(
        file: "zeek/traces/ldap/ldap-starttls.pcap", serverPort: 389,
        tsharkTLSOffsets: (31, 14),
        segments: [
            .c("301d02010177188016312e332e362e312e342e312e313436362e3230303337"),
            .s("300c02010178070a010004000400"),
            .c("160303018a010001860303a8c0de83b4"),
            .s("160303009b020000970303edc17fbba9"),
        ])

    /// `tshark -r zeek/traces/postgresql/psql-aws-ssl-preferred.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/postgresql/psql-aws-ssl-preferred.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 9, server seq - (relative; stream offset = seq - 1).
    /// tshark server offset 3953 is not a record start (its ServerHello was not dissected: the server segments are out of order in this capture); that side is checked only by the record header at the offset.
    static let psqlPreferred = Trace(
        file: "zeek/traces/postgresql/psql-aws-ssl-preferred.pcap", serverPort: 5432,
        tsharkTLSOffsets: (8, nil),
        segments: [
            .c("0000000804d2162f"),
            .s("53"),
            .c("160301015c01000158030353fb384b5a"),
            .s("16030300390200003503033e24d2fb70"),
        ])

    /// `tshark -r zeek/traces/postgresql/psql-aws-ssl-require.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/postgresql/psql-aws-ssl-require.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 9, server seq 2 (relative; stream offset = seq - 1).
    static let psqlRequire = Trace(
        file: "zeek/traces/postgresql/psql-aws-ssl-require.pcap", serverPort: 5432,
        tsharkTLSOffsets: (8, 1),
        segments: [
            .c("0000000804d2162f"),
            .s("53"),
            .c("160301015c010001580303eb4b20183b"),
            .s("1603030039020000350303554fe7e88e"),
        ])

    /// `tshark -r zeek/traces/postgresql/psql-aws-ssl-require-15432.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/postgresql/psql-aws-ssl-require-15432.pcap -d tcp.port==15432,pgsql -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 9, server seq 2 (relative; stream offset = seq - 1).
    static let psqlRequire15432 = Trace(
        file: "zeek/traces/postgresql/psql-aws-ssl-require-15432.pcap", serverPort: 15432,
        tsharkTLSOffsets: (8, 1),
        segments: [
            .c("0000000804d2162f"),
            .s("53"),
            .c("160301015c010001580303eb4b20183b"),
            .s("1603030039020000350303554fe7e88e"),
        ])

    /// `tshark -r zeek/traces/mysql/encrypted.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/mysql/encrypted.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 37, server seq 111 (relative; stream offset = seq - 1).
    static let mysqlEncrypted = Trace(
        file: "zeek/traces/mysql/encrypted.pcap", serverPort: 3306,
        tsharkTLSOffsets: (36, 110),
        segments: [
            .s(
                "6a0000000a352e352e352d31302e302e33362d4d6172696144422d307562756e7475302e31362e30342e310021000000" +
                "746e4e762c74276000ffff2d02003fe0150000000000000000000031726b4144702b23696a5a65006d7973716c5f6e61" +
                "746976655f70617373776f726400"
            ),
            .c("2000000185ae3f20000000012d0000000000000000000000000000000000000000000000"),
            .c("160302005901000055030223e615b686"),
            .s("160302004a020000460302fdf0f240bd"),
        ])

    /// `tshark -r zeek/traces/mysql/tls-12-amazon-rds.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/mysql/tls-12-amazon-rds.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 37, server seq 79 (relative; stream offset = seq - 1).
    static let mysqlTLS12RDS = Trace(
        file: "zeek/traces/mysql/tls-12-amazon-rds.pcap", serverPort: 3306,
        tsharkTLSOffsets: (36, 78),
        segments: [
            .s(
                "4a0000000a382e302e32380018000000365a5c3d1c74517700ffffff0200ffdf150000000000000000000040604d1142" +
                "79355628471534006d7973716c5f6e61746976655f70617373776f726400"
            ),
            .c("2000000185aeff2000000001210000000000000000000000000000000000000000000000"),
            .c("16030100b7010000b30303c576de049c"),
            .s("16030300410200003d0303edbf14fb6d"),
        ])

    /// `tshark -r zeek/traces/mysql/tls-13-amazon-rds.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/mysql/tls-13-amazon-rds.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 37, server seq 79 (relative; stream offset = seq - 1).
    static let mysqlTLS13RDS = Trace(
        file: "zeek/traces/mysql/tls-13-amazon-rds.pcap", serverPort: 3306,
        tsharkTLSOffsets: (36, 78),
        segments: [
            .s(
                "4a0000000a382e302e323800130000003b2f33503e52223200ffffff0200ffdf15000000000000000000003d695e714d" +
                "035f3a61741067006d7973716c5f6e61746976655f70617373776f726400"
            ),
            .c("2000000185aeff2000000001210000000000000000000000000000000000000000000000"),
            .c("1603010200010001fc03030fa48cb2a8"),
            .s("160303007a020000760303a86277a43d"),
        ])

    /// `tshark -r arkime/pcap/mysql-tls.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r arkime/pcap/mysql-tls.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 37, server seq 79 (relative; stream offset = seq - 1).
    static let arkimeMysqlTLS = Trace(
        file: "arkime/pcap/mysql-tls.pcap", serverPort: 3306,
        tsharkTLSOffsets: (36, 78),
        segments: [
            .s(
                "4a0000000a352e372e3136004d6820000937522b2f25462900ffff080200ffc115000000000000000000006964784463" +
                "7e236654082b1b006d7973716c5f6e61746976655f70617373776f726400"
            ),
            .c("200000018faa3a00ffffff00210000000000000000000000000000000000000000000000"),
            .c("1603020097010000930302585df39a3b"),
            .s("160302004a0200004603023f155a6c76"),
        ])

    /// `tshark -r zeek/traces/smtp.pcap -q -z follow,tcp,raw,5` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/smtp.pcap -Y "tcp.stream==5 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 1, server seq 1 (relative; stream offset = seq - 1).
    static let httpsInSmtpTrace = Trace(
        file: "zeek/traces/smtp.pcap", serverPort: 443,
        tsharkTLSOffsets: (0, 0),
        segments: [
            .c("16030100c4010000c0030355b39277d4"),
            .s("1603030a240200004d030355b39277e2"),
        ])

    /// `tshark -r zeek/traces/smtp.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/smtp.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq -, server seq - (relative; stream offset = seq - 1).
    static let smtpPlain = Trace(
        file: "zeek/traces/smtp.pcap", serverPort: 25,
        tsharkTLSOffsets: (nil, nil),
        segments: [
            .s(
                "3232302d786339302e7765627369746577656c636f6d652e636f6d2045534d5450204578696d20342e3639202331204d" +
                "6f6e2c203035204f637420323030392030313a30353a3534202d30353030200d0a3232302d576520646f206e6f742061" +
                "7574686f72697a652074686520757365206f6620746869732073797374656d20746f207472616e73706f727420756e73" +
                "6f6c6963697465642c200d0a32323020616e642f6f722062756c6b20652d6d61696c2e0d0a"
            ),
            .c("45484c4f2047500d0a"),
            .s(
                "3235302d786339302e7765627369746577656c636f6d652e636f6d2048656c6c6f204750205b3132322e3136322e3134" +
                "332e3135375d0d0a3235302d53495a452035323432383830300d0a3235302d504950454c494e494e470d0a3235302d41" +
                "55544820504c41494e204c4f47494e0d0a3235302d5354415254544c530d0a3235302048454c500d0a"
            ),
            .c("41555448204c4f47494e0d0a"),
            .s("3333342056584e6c636d3568625755360d0a"),
            .c("5a33567963474679644746775148426864484a706233527a4c6d6c750d0a"),
            .s("333334205547467a63336476636d51360d0a"),
            .c("63485675616d4669514445794d773d3d0d0a"),
            .s("3233352041757468656e7469636174696f6e207375636365656465640d0a"),
            .c("4d41494c2046524f4d3a203c6775727061727461704070617472696f74732e696e3e0d0a"),
            .s("323530204f4b0d0a"),
        ])

}
