import NetCore
import PacketDecode

/// The TCP connection table. Feed it decoded packets in capture order; it creates connections,
/// decides client and server, reassembles the first bytes of each direction and drives one
/// `Observer` per connection. Finished connections are handed to `onFinished` exactly once.
///
/// INTERFACE STUB: the implementation is being written; signatures are the contract.
public final class FlowTable<Observer: ConnectionObserver> {
    public private(set) var counters = FlowCounters()
    public let config: FlowConfig
    /// Called once per connection when it leaves the table (closed, idle, evicted, capture end, port reuse).
    public var onFinished: (ConnectionFacts, Observer) -> Void
    /// Called once per connection when its observer first answers `.settled` (live mode reports here).
    public var onSettled: ((ConnectionFacts, Observer) -> Void)?

    public init(config: FlowConfig = FlowConfig(), onFinished: @escaping (ConnectionFacts, Observer) -> Void) {
        self.config = config
        self.onFinished = onFinished
    }

    /// One packet. `payload` is valid only during the call; what reassembly must keep is copied.
    public func process(_ packet: DecodedPacket, payload: UnsafeRawBufferPointer, stamp: PacketStamp) {
    }

    /// Finishes connections idle past the timeouts, measured in capture time up to `now`.
    public func expire(now: Timestamp) {
    }

    /// Finishes every connection still open (end of capture or of a live run), reason `.captureEnd`.
    public func finishAll() {
    }

    /// Connections tracked now.
    public var activeConnections: Int { 0 }
}
