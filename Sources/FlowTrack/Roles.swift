/// Deciding client and server when no SYN told us.
///
/// The rule, in order:
/// 1. If exactly one of the two ports is a well-known server port (`wellKnownServerPorts`: TLS and
///    TLS-upgradable services such as 443, 3389, 993, 995, 465, 636, 8443, …), that side is the server.
/// 2. Otherwise the side with the lower port is the server (ephemeral client ports are high).
/// 3. Equal ports: the receiver of the first packet seen is the server.
///
/// The observer can overturn the guess from the content (`Interest.swapRoles`).
public enum PortRoles {
    /// Ports taken as a server's even when the other port is lower. Sorted, for binary search.
    public static let wellKnownServerPorts: [UInt16] = [
        21, 22, 23, 25, 53, 80, 110, 119, 143, 179, 389, 443, 465, 563, 587, 636, 853, 989, 990,
        992, 993, 994, 995, 1433, 1521, 2049, 2083, 2087, 3268, 3269, 3306, 3389, 4443, 5060, 5061,
        5222, 5223, 5269, 5432, 5671, 5986, 6379, 6443, 6514, 6697, 8080, 8443, 8883, 9093, 9443, 27017,
    ]

    @inlinable
    public static func isWellKnownServerPort(_ port: UInt16) -> Bool {
        var lo = 0, hi = wellKnownServerPorts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let v = wellKnownServerPorts[mid]
            if v == port { return true }
            if v < port { lo = mid + 1 } else { hi = mid }
        }
        return false
    }

    /// Whether the receiver of a packet from `srcPort` to `dstPort` is the server, by the rule above.
    @inlinable
    public static func receiverIsServer(srcPort: UInt16, dstPort: UInt16) -> Bool {
        let srcKnown = isWellKnownServerPort(srcPort), dstKnown = isWellKnownServerPort(dstPort)
        if srcKnown != dstKnown { return dstKnown }
        if srcPort != dstPort { return dstPort < srcPort }
        return true
    }
}
