package runtime

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/spec"
)

// Config configures a Server: one replica of a cluster, as a process on
// its own host.
type Config struct {
	// ClusterID tells clusters apart: a server talks only to replicas and
	// clients that say the same ID in their handshake.
	ClusterID uint64
	// Addrs holds every replica's address, host:port, by index.
	Addrs []string
	// Index is this replica's index in Addrs.
	Index int
	// Spec chooses the protocol's variants; its Replicas is len(Addrs).
	// The zero value is the safe protocol, batching and pipelining as
	// DefaultBatch and DefaultPipeline say. Its Members is the cluster's
	// first group, an odd number of the replicas in Addrs, every one when
	// zero: the others are spares, which a reconfiguration may add later
	// (Client.Reconfigure). Its Admin is the client ID that may ask for
	// reconfigurations; zero allows none.
	Spec spec.Config
	// Bootstrap starts a replica that has never run. A replica of the
	// first group starts a new cluster: in view 0 with an empty log, only
	// when every other replica of the group says, in its handshake, that
	// it is fresh too, bootstrapping or started so and still in the
	// initial state; if any has done anything, this one recovers instead.
	// A replica outside the first group starts empty in the standby
	// status, at once, and waits for a reconfiguration to add it. Without
	// Bootstrap the replica always recovers, which is right for every
	// start but a replica's first. A replica of the first group that has
	// run before cannot come back as new while another replica remembers
	// anything; a spare that has been added must never start with
	// Bootstrap again.
	Bootstrap bool
	// Tick is the length of one tick of the node's clock; 10 ms by
	// default.
	Tick time.Duration
	// Timing holds the node's intervals in ticks; DefaultTiming when zero.
	Timing Timing
	// ClockDrift bounds how much faster or slower the replicas' clocks run
	// than real time, for lease reads (NodeConfig.ClockDrift).
	ClockDrift float64
	// QueueFrames bounds each connection's send queue, in frames; a full
	// queue drops, which VR tolerates. 4096 by default.
	QueueFrames int
	// MaxFrame bounds a frame, in bytes; DefaultMaxFrame when zero.
	MaxFrame int
	// ChunkSize is the most bytes of a message that one frame to another
	// replica carries: a larger message, such as one with a checkpoint's
	// snapshot, goes as several frames; DefaultChunkSize when zero. It
	// must leave room in MaxFrame for a chunk's head.
	ChunkSize int
	// MaxMessage bounds a message put back together from chunks, in
	// bytes; DefaultMaxMessage when zero.
	MaxMessage int
	// TLS, when set, makes every connection, to replicas and from
	// clients, mutual TLS with it (see TLSConfig).
	TLS *tls.Config
	// NewStateMachine returns the application's state machine, empty.
	NewStateMachine func() StateMachine
	// Log receives what the server and its node report; nil discards it.
	Log *slog.Logger
	// Listener, when set, is where the server accepts connections instead
	// of listening on Addrs[Index].
	Listener net.Listener
	// Trace, when set, is told every step the node takes: package trace
	// records them as a trace of the run, which vsrgen trace validate
	// checks against the spec and VSR.tla.
	Trace Tracer
	// Rand is the node's source of randomness, for its recovery nonces;
	// nil draws from the system's.
	Rand Rand
	// DropTo, when set, is asked before each frame to a replica is sent,
	// and the frame is dropped when it says so: a fault-injection hook
	// for tests that partition a cluster.
	DropTo func(replica int) bool
}

// Counters count a server's frames.
type Counters struct {
	Sent, Received uint64
	// Dropped counts frames not sent: a full queue, a replica not
	// connected, a client gone.
	Dropped uint64
	// Rejected counts input refused: malformed or oversized frames, bad
	// handshakes, messages that claim another sender, snapshots that do
	// not restore.
	Rejected uint64
	// Assembled counts the messages received as chunks and put back
	// together (Config.ChunkSize).
	Assembled uint64
}

// Server runs one replica: its node, owned by one goroutine, behind TCP
// connections to the other replicas and from clients, and a clock.
type Server struct {
	cfg      Config
	log      *slog.Logger
	listener net.Listener
	events   chan event
	peers    []*peer
	clients  map[uint64]*conn // by client ID, owned by the node goroutine
	self     [][]byte         // messages the node sent itself, owned by it
	node     *Node
	started  atomic.Bool
	// boot is this process's random ID, in its handshakes; peerBoot holds
	// each peer's latest, and a message that came on a connection of an
	// earlier process of that peer is dropped: that process is gone.
	boot     uint64
	peerBoot []atomic.Uint64
	// fresh says that the replica is bootstrapping, or started a new
	// cluster and is still in the initial state (see Config.Bootstrap).
	fresh atomic.Bool
	// dialedIn holds the peers that have connected to this server, a bit
	// each. A replica that started a new cluster serves no client until
	// every other replica of the first group has, so that none is told it
	// did something before it has decided how to start, or until its
	// first epoch has ended.
	dialedIn atomic.Uint64
	gated    bool      // owned by the node goroutine
	ticked   time.Time // when the node's clock last ticked, owned by the node goroutine
	mu       sync.Mutex
	conns    map[net.Conn]inboundConn // the replicas' connections to this one
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	sent, received, dropped, rejected, assembled atomic.Uint64
}

// event is an input to the node goroutine.
type event struct {
	from int    // the replica that sent msg
	boot uint64 // from's process that sent it
	msg  any
	req  *spec.Request // or a client's request, on conn
	conn *conn
	fn   func(n *Node) // or a function to run on the node
	done chan struct{}
}

// NewServer checks cfg and listens; Run starts the replica.
func NewServer(cfg Config) (*Server, error) {
	if len(cfg.Addrs) < 1 || len(cfg.Addrs) > 63 {
		return nil, fmt.Errorf("runtime: %d replica addresses: want 1 to 63", len(cfg.Addrs))
	}
	if cfg.Index < 0 || cfg.Index >= len(cfg.Addrs) {
		return nil, fmt.Errorf("runtime: index %d: want 0 to %d", cfg.Index, len(cfg.Addrs)-1)
	}
	if cfg.NewStateMachine == nil {
		return nil, errors.New("runtime: no state machine")
	}
	cfg.Spec.Replicas = uint8(len(cfg.Addrs))
	if err := checkGroup(cfg.Spec); err != nil {
		return nil, err
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 10 * time.Millisecond
	}
	if cfg.Timing == (Timing{}) {
		cfg.Timing = DefaultTiming
	}
	if err := cfg.Timing.validate(); err != nil {
		return nil, err
	}
	if cfg.QueueFrames <= 0 {
		cfg.QueueFrames = 4096
	}
	if cfg.MaxFrame <= 0 {
		cfg.MaxFrame = DefaultMaxFrame
	}
	if cfg.ChunkSize <= 0 {
		cfg.ChunkSize = min(DefaultChunkSize, cfg.MaxFrame-chunkHeadMax)
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = DefaultMaxMessage
	}
	if cfg.ChunkSize+chunkHeadMax > cfg.MaxFrame {
		return nil, fmt.Errorf("runtime: chunks of %d bytes do not fit frames of at most %d", cfg.ChunkSize, cfg.MaxFrame)
	}
	s := &Server{cfg: cfg, log: cfg.Log, events: make(chan event, 4096), clients: map[uint64]*conn{},
		boot: newRand().Uint64(), peerBoot: make([]atomic.Uint64, len(cfg.Addrs))}
	s.fresh.Store(cfg.Bootstrap)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("replica", cfg.Index)
	s.listener = cfg.Listener
	if s.listener == nil {
		l, err := net.Listen("tcp", cfg.Addrs[cfg.Index])
		if err != nil {
			return nil, fmt.Errorf("runtime: %w", err)
		}
		s.listener = l
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for i := range cfg.Addrs {
		if i != cfg.Index {
			s.peers = append(s.peers, &peer{s: s, index: i, queue: make(chan []byte, cfg.QueueFrames)})
		} else {
			s.peers = append(s.peers, nil)
		}
	}
	return s, nil
}

// Addr returns the address the server accepts connections on.
func (s *Server) Addr() net.Addr { return s.listener.Addr() }

// Counters returns the server's counters so far.
func (s *Server) Counters() Counters {
	return Counters{Sent: s.sent.Load(), Received: s.received.Load(), Dropped: s.dropped.Load(), Rejected: s.rejected.Load(),
		Assembled: s.assembled.Load()}
}

// ErrShutDown is what Run returns when the replica shut down because a
// reconfiguration left it out of the group, once enough of the new group
// had started (VR Revisited 7.3). The process may exit. Started again,
// without Bootstrap, the replica recovers, and shuts down again unless a
// later reconfiguration has added it back.
var ErrShutDown = errors.New("runtime: a reconfiguration left this replica out of the group, and it shut down")

// Run runs the replica until ctx is done, Close is called, or a
// reconfiguration leaves the replica out and it shuts down, when Run
// returns ErrShutDown: it connects to the other replicas, decides how the
// node starts (see Config.Bootstrap), and then serves.
func (s *Server) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, s.cancel)
	defer stop()
	s.wg.Add(1)
	go s.accept()
	for _, p := range s.peers {
		if p != nil {
			s.wg.Add(1)
			go p.run()
		}
	}
	start, err := s.startMode()
	if err != nil {
		s.cancel()
		s.wg.Wait()
		return nil
	}
	rnd := s.cfg.Rand
	if rnd == nil {
		rnd = newRand()
	}
	node, err := NewNode(NodeConfig{Spec: s.cfg.Spec, Index: s.cfg.Index, Timing: s.cfg.Timing, ClockDrift: s.cfg.ClockDrift,
		NewStateMachine: s.cfg.NewStateMachine, Log: s.cfg.Log, Trace: s.cfg.Trace}, start, s, rnd)
	if err != nil {
		s.cancel()
		s.wg.Wait()
		return err
	}
	s.node = node
	// A spare that starts empty needs no gate: it serves only once a
	// reconfiguration has added it, when the cluster has surely run.
	s.gated = start == NewCluster && s.cfg.Spec.Group().Has(spec.ReplicaIndex(s.cfg.Index))
	s.fresh.Store(start == NewCluster)
	s.started.Store(true)
	shut := s.loop()
	s.cancel()
	s.wg.Wait()
	if shut {
		return ErrShutDown
	}
	return nil
}

// Close stops the server and waits for its goroutines.
func (s *Server) Close() error {
	s.cancel()
	return nil
}

// startMode returns how the node starts: Recover, unless the server
// bootstraps a new cluster and every other replica says it is fresh too.
// It waits for every replica's handshake to tell.
func (s *Server) startMode() (Start, error) {
	if !s.cfg.Bootstrap {
		return Recover, nil
	}
	group := s.cfg.Spec.Group()
	if !group.Has(spec.ReplicaIndex(s.cfg.Index)) {
		return NewCluster, nil
	}
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	for {
		all := true
		for _, p := range s.peers {
			if p == nil || !group.Has(spec.ReplicaIndex(p.index)) {
				continue
			}
			switch p.state.Load() {
			case peerRunning:
				s.log.Warn("a replica has run already: recovering instead of starting a new cluster", "peer", p.index)
				return Recover, nil
			case peerUnknown:
				all = false
			}
		}
		if all {
			return NewCluster, nil
		}
		select {
		case <-s.ctx.Done():
			return 0, s.ctx.Err()
		case <-t.C:
		}
	}
}

// loop is the node goroutine: every event, tick and inspection in turn.
// Before each, the node's clock catches up with the real one (tick). It
// returns when the server stops, true when the replica shut down.
func (s *Server) loop() bool {
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	s.ticked = time.Now()
	for {
		select {
		case <-s.ctx.Done():
			return false
		case <-t.C:
			s.tick()
		case ev := <-s.events:
			s.tick()
			s.handle(ev)
		}
		if s.node.r.Status == spec.Shutdown {
			s.log.Info("shut down: a reconfiguration left this replica out of the group", "epoch", s.node.r.Epoch,
				"group", s.node.r.Members.String())
			return true
		}
	}
}

// tick gives the node a tick for each tick length of real time since the
// last, so that its clock never lags the real one by a tick or more,
// whatever the ticker, a busy node goroutine or a paused process did:
// leases count on it (spec.Config.Lease). time.Now reads the monotonic
// clock.
func (s *Server) tick() {
	for now := time.Now(); now.Sub(s.ticked) >= s.cfg.Tick; s.ticked = s.ticked.Add(s.cfg.Tick) {
		s.node.Tick()
	}
}

func (s *Server) handle(ev event) {
	switch {
	case ev.fn != nil:
		ev.fn(s.node)
		close(ev.done)
	case ev.req != nil:
		if s.gated {
			if s.dialedIn.Load() != s.allPeers() && s.node.r.Epoch == 0 {
				s.dropped.Add(1)
				return
			}
			s.gated = false
		}
		s.clients[uint64(ev.req.Client)] = ev.conn
		s.node.Request(ev.req)
	case ev.boot != s.peerBoot[ev.from].Load():
		s.dropped.Add(1) // from a process of that replica that is gone
	default:
		if err := s.node.Step(ev.from, ev.msg); err != nil {
			// The reader checks the sender first; what is left is a
			// snapshot that does not restore.
			s.rejected.Add(1)
			s.log.Warn("rejected a message", "from", ev.from, "err", err)
		}
	}
	for len(s.self) > 0 {
		msg := s.self[0]
		s.self = s.self[1:]
		m, err := generated.UnmarshalMessageShared(msg) // the node's own, never changed
		if err != nil {
			panic(fmt.Sprintf("runtime: the node sent itself what does not decode: %v", err))
		}
		if err := s.node.Step(s.cfg.Index, m); err != nil {
			panic(fmt.Sprintf("runtime: the node sent itself %v", err))
		}
	}
	if s.fresh.Load() && !initial(s.node.Replica()) {
		s.fresh.Store(false)
	}
}

// allPeers returns the bits of every other replica of the first group.
func (s *Server) allPeers() uint64 {
	return uint64(s.cfg.Spec.Group()) &^ (1 << s.cfg.Index)
}

// initial reports whether r is still as a new cluster starts it: nothing
// in its log, no view change, no recovery seen.
func initial(r *spec.Replica) bool {
	if r.Status != spec.Normal || r.View != 0 || r.OpNumber != 0 || r.CommitNumber != 0 {
		return false
	}
	for _, c := range r.CrashVector {
		if c != 0 {
			return false
		}
	}
	return true
}

// Inspect runs fn on the node, in the node's goroutine, and waits for it:
// for tests and status reports. fn must not keep the node.
func (s *Server) Inspect(ctx context.Context, fn func(n *Node)) error {
	if !s.started.Load() {
		return errors.New("runtime: the replica has not started")
	}
	ev := event{fn: fn, done: make(chan struct{})}
	select {
	case s.events <- ev:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.ctx.Done():
		return errors.New("runtime: server closed")
	}
	select {
	case <-ev.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.ctx.Done():
		return errors.New("runtime: server closed")
	}
}

// Send queues msg for replica to; Network for the node. A message to this
// replica itself (the new primary's own DoViewChange) goes straight back
// to the node, after the event that sent it.
func (s *Server) Send(to int, msg []byte) {
	if to == s.cfg.Index {
		s.self = append(s.self, msg)
		return
	}
	p := s.peers[to]
	if s.cfg.DropTo != nil && s.cfg.DropTo(to) {
		s.dropped.Add(1)
		return
	}
	select {
	case p.queue <- msg:
	default:
		s.dropped.Add(1)
	}
}

// Reply queues msg for client; Network for the node.
func (s *Server) Reply(client uint64, msg []byte) {
	c := s.clients[client]
	if c == nil {
		s.dropped.Add(1)
		return
	}
	if c.closed.Load() {
		delete(s.clients, client)
		s.dropped.Add(1)
		return
	}
	if c.local != nil {
		c.local(msg)
		return
	}
	select {
	case c.queue <- msg:
	default:
		s.dropped.Add(1)
	}
}

// hello returns this server's handshake.
func (s *Server) hello() hello {
	return hello{role: roleReplica, cluster: s.cfg.ClusterID, replica: s.cfg.Index, boot: s.boot, fresh: s.fresh.Load()}
}

// reject counts refused input and logs it once, for the connection it
// came on, which the caller closes.
func (s *Server) reject(remote net.Addr, what string, err error) {
	s.rejected.Add(1)
	s.log.Warn("rejected input; closing the connection", "remote", remote.String(), "what", what, "err", err)
}

// accept accepts connections until the server stops.
func (s *Server) accept() {
	defer s.wg.Done()
	go func() {
		<-s.ctx.Done()
		s.listener.Close()
	}()
	for {
		c, err := s.listener.Accept()
		if err != nil {
			if s.ctx.Err() == nil {
				s.log.Error("accept", "err", err)
			}
			return
		}
		s.wg.Add(1)
		go s.serve(c)
	}
}

// serve runs an accepted connection: the handshake, then its frames.
func (s *Server) serve(raw net.Conn) {
	defer s.wg.Done()
	stop := context.AfterFunc(s.ctx, func() { raw.Close() })
	defer stop()
	defer raw.Close()
	c := raw
	if s.cfg.TLS != nil {
		tc := tls.Server(raw, s.cfg.TLS)
		tc.SetDeadline(time.Now().Add(handshakeTimeout))
		if err := tc.Handshake(); err != nil {
			s.reject(raw.RemoteAddr(), "TLS handshake", err)
			return
		}
		c = tc
	}
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	r := bufio.NewReaderSize(c, 64<<10)
	b, err := ReadFrame(r, nil, helloMax)
	var h hello
	if err == nil {
		h, err = parseHello(b)
	}
	if err == nil && h.cluster != s.cfg.ClusterID {
		err = fmt.Errorf("cluster %d: this is cluster %d", h.cluster, s.cfg.ClusterID)
	}
	if err == nil && h.role == roleReplica && (h.replica >= len(s.cfg.Addrs) || h.replica == s.cfg.Index) {
		err = fmt.Errorf("replica %d: no other replica of %d has that index", h.replica, len(s.cfg.Addrs))
	}
	if err != nil {
		s.reject(raw.RemoteAddr(), "handshake", err)
		return
	}
	if h.role == roleReplica {
		s.inbound(h.replica, h.boot, c)
		defer s.closed(h.replica, c)
	}
	ack := s.hello()
	if _, err := c.Write(AppendFrame(nil, ack.append(nil))); err != nil {
		return
	}
	c.SetDeadline(time.Time{})
	if h.role == roleReplica {
		s.readReplica(c, r, h.replica, h.boot)
		return
	}
	s.serveClient(c, r)
}

// inbound records the connection c of replica i's process boot, and
// closes the connections of its earlier processes: those are gone, and a
// process still alive that lost its connection dials again.
func (s *Server) inbound(i int, boot uint64, c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = map[net.Conn]inboundConn{}
	}
	for other, ic := range s.conns {
		if ic.replica == i && ic.boot != boot {
			other.Close()
		}
	}
	s.conns[c] = inboundConn{replica: i, boot: boot}
	s.peerBoot[i].Store(boot)
	s.dialedIn.Or(1 << i)
}

// closed forgets an inbound connection.
func (s *Server) closed(i int, c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

type inboundConn struct {
	replica int
	boot    uint64
}

// shareFrom is the size from which a frame's message shares the frame's
// memory instead of copying its byte strings out: a batch of requests
// then costs one buffer, not one copy for each request, and a small frame
// reuses the reader's buffer.
const shareFrom = 512

// readReplica reads replica from's frames and hands them to the node.
func (s *Server) readReplica(c net.Conn, r *bufio.Reader, from int, boot uint64) {
	var buf []byte
	chunks := Assembler{Limit: s.cfg.MaxMessage}
	for {
		b, err := ReadFrame(r, buf, s.cfg.MaxFrame)
		if err != nil {
			if !isClosed(err) && s.ctx.Err() == nil {
				s.reject(c.RemoteAddr(), "frame", err)
			}
			return
		}
		s.received.Add(1)
		if IsChunk(b) {
			whole, err := chunks.Add(b)
			if err != nil {
				s.reject(c.RemoteAddr(), "chunk", err)
				return
			}
			buf = b[:0]
			if whole == nil {
				continue
			}
			b, buf = whole, nil
			s.assembled.Add(1)
		}
		var m any
		if len(b) >= shareFrom {
			m, err = generated.UnmarshalMessageShared(b)
			buf = nil // the message has it
		} else {
			m, err = generated.UnmarshalMessage(b)
			buf = b[:0]
		}
		if err == nil {
			err = CheckSender(s.cfg.Spec, from, m)
		}
		if err != nil {
			s.reject(c.RemoteAddr(), "message", err)
			return
		}
		select {
		case s.events <- event{from: from, boot: boot, msg: m}:
		case <-s.ctx.Done():
			return
		}
	}
}

// serveClient reads a client's requests and writes the replies to it.
func (s *Server) serveClient(c net.Conn, r *bufio.Reader) {
	cc := &conn{queue: make(chan []byte, s.cfg.QueueFrames)}
	done := make(chan struct{})
	defer func() {
		cc.closed.Store(true)
		close(done)
	}()
	go writeFrames(c, cc.queue, done, &s.sent, 0)
	var buf []byte
	for {
		b, err := ReadFrame(r, buf, s.cfg.MaxFrame)
		if err != nil {
			if !isClosed(err) && s.ctx.Err() == nil {
				s.reject(c.RemoteAddr(), "frame", err)
			}
			return
		}
		buf = b[:0]
		s.received.Add(1)
		m, err := generated.UnmarshalMessage(b)
		req, ok := m.(spec.Request)
		if err == nil && !ok {
			err = fmt.Errorf("a client sent %T, not a Request", m)
		}
		if err != nil {
			s.reject(c.RemoteAddr(), "request", err)
			return
		}
		if !s.started.Load() {
			s.dropped.Add(1)
			continue
		}
		select {
		case s.events <- event{req: &req, conn: cc}:
		case <-s.ctx.Done():
			return
		}
	}
}

// writeFrames writes the frames queued for connection c, as many as are
// queued in one write, until done or a write fails, which closes c. It
// counts each frame in sent, when not nil.
func writeFrames(c net.Conn, queue <-chan []byte, done <-chan struct{}, sent *atomic.Uint64, chunk int) {
	w := bufio.NewWriterSize(c, 64<<10)
	for {
		var msg []byte
		select {
		case msg = <-queue:
		case <-done:
			return
		}
	drain:
		for {
			if err := writeMessage(w, msg, chunk); err != nil {
				c.Close()
				return
			}
			if sent != nil {
				sent.Add(1)
			}
			select {
			case msg = <-queue:
			default:
				break drain
			}
		}
		if err := w.Flush(); err != nil {
			c.Close()
			return
		}
	}
}

// conn is a client's connection, as the node goroutine sees it: the queue
// of its writer, or, for a client in this process (ClientConfig.Local),
// the function the node goroutine hands each reply to.
type conn struct {
	queue  chan []byte
	local  func(msg []byte)
	closed atomic.Bool
}

// submit hands the node a request of a client in this process, whose
// replies go to c; one the server cannot take yet is dropped, as a
// connection's would be, and the client resends it.
func (s *Server) submit(req *spec.Request, c *conn) {
	if !s.started.Load() {
		s.dropped.Add(1)
		return
	}
	select {
	case s.events <- event{req: req, conn: c}:
	case <-s.ctx.Done():
	}
}

const (
	handshakeTimeout = 5 * time.Second
	helloMax         = 64
	redialMin        = 50 * time.Millisecond
	redialMax        = 2 * time.Second
)

// What a peer said of itself in its last handshake.
const (
	peerUnknown int32 = iota
	peerFresh
	peerRunning
)

// peer is the connection this server sends to another replica on, dialled
// and redialled with backoff.
type peer struct {
	s     *Server
	index int
	queue chan []byte
	state atomic.Int32
}

func (p *peer) run() {
	defer p.s.wg.Done()
	wait := redialMin
	for p.s.ctx.Err() == nil {
		c, err := p.dial()
		if err != nil {
			select {
			case <-time.After(wait):
			case <-p.s.ctx.Done():
				return
			}
			wait = min(2*wait, redialMax)
			continue
		}
		wait = redialMin
		done := make(chan struct{})
		stop := context.AfterFunc(p.s.ctx, func() { c.Close() })
		// The peer never sends on this connection after its handshake;
		// a read returns when the connection ends.
		go func() {
			io.Copy(io.Discard, c)
			c.Close()
			close(done)
		}()
		writeFrames(c, p.queue, done, &p.s.sent, p.s.cfg.ChunkSize)
		c.Close()
		<-done
		stop()
	}
}

// dial connects to the peer and shakes hands.
func (p *peer) dial() (net.Conn, error) {
	d := net.Dialer{Timeout: handshakeTimeout}
	raw, err := d.DialContext(p.s.ctx, "tcp", p.s.cfg.Addrs[p.index])
	if err != nil {
		return nil, err
	}
	c := raw
	if p.s.cfg.TLS != nil {
		tc := tls.Client(raw, p.s.cfg.TLS)
		tc.SetDeadline(time.Now().Add(handshakeTimeout))
		if err := tc.Handshake(); err != nil {
			raw.Close()
			p.s.log.Warn("TLS handshake with a replica failed", "peer", p.index, "err", err)
			return nil, err
		}
		c = tc
	}
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	h := p.s.hello()
	if _, err := c.Write(AppendFrame(nil, h.append(nil))); err != nil {
		c.Close()
		return nil, err
	}
	b, err := ReadFrame(bufio.NewReader(c), nil, helloMax)
	if err != nil {
		c.Close() // the connection failed, which is no hostile input
		return nil, err
	}
	ack, err := parseHello(b)
	if err == nil && (ack.role != roleReplica || ack.cluster != p.s.cfg.ClusterID || ack.replica != p.index) {
		err = fmt.Errorf("handshake: replica %d of cluster %d answered at the address of replica %d of cluster %d",
			ack.replica, ack.cluster, p.index, p.s.cfg.ClusterID)
	}
	if err != nil {
		c.Close()
		p.s.reject(raw.RemoteAddr(), "handshake", err)
		return nil, err
	}
	c.SetDeadline(time.Time{})
	if ack.fresh {
		p.state.Store(peerFresh)
	} else {
		p.state.Store(peerRunning)
	}
	return c, nil
}

// isClosed reports whether err only says that the connection ended.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)
}

// newRand returns a source of randomness seeded from the system's.
func newRand() Rand {
	var seed [32]byte
	if _, err := crand.Read(seed[:]); err != nil {
		panic(fmt.Sprintf("runtime: crypto/rand: %v", err))
	}
	return rand.New(rand.NewChaCha8(seed))
}
