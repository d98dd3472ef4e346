package runtime

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/spec"
	"github.com/viewstamped/vsr/wire"
)

// ErrClosed is the error of a client's call after Close.
var ErrClosed = errors.New("runtime: client closed")

// ClientConfig configures a Client.
type ClientConfig struct {
	// ClusterID and Addrs are the cluster's, as its replicas have them:
	// every replica that may be a member, spares too, by index.
	ClusterID uint64
	Addrs     []string
	// Sessions bounds the requests in flight: each session has one
	// outstanding request at a time, as VR requires. 16 by default.
	Sessions int
	// Resend is how long a request waits for its reply before the client
	// sends it again, to every replica (4.1); 200 ms by default.
	Resend time.Duration
	// TLS, when set, makes the connections mutual TLS (see TLSConfig).
	TLS *tls.Config
	// MaxFrame bounds a reply's frame; DefaultMaxFrame when zero.
	MaxFrame int
	// QueueFrames bounds each connection's send queue; 4096 by default.
	QueueFrames int
	// Log receives the client's connection troubles; nil discards them.
	Log *slog.Logger
	// Local, when set, is a replica of the cluster running in this
	// process: requests to it go straight to its node and its replies
	// come straight back, without a connection, as an application
	// embedded beside a replica would have it. Requests to the other
	// replicas still go over the network.
	Local *Server
	// Rand is the source of the sessions' client IDs; nil draws from the
	// system's. Two sessions of a cluster must never draw the same ID.
	// The client calls it under its own lock.
	Rand Rand
}

// Client submits operations to a cluster and returns their results, each
// operation executed at most once across retries and view changes. It is
// safe for concurrent use: concurrency comes from its pool of sessions.
type Client struct {
	cfg      ClientConfig
	log      *slog.Logger
	conns    []*clientConn
	idle     chan *session
	primary  atomic.Int32  // the replica the client believes primary
	epoch    atomic.Uint64 // the latest epoch a reply said
	mu       sync.Mutex
	waiting  map[uint64]*session // by client ID
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	requests atomic.Uint64
}

// session is a client ID with its request numbers (4.1): one outstanding
// request at a time.
type session struct {
	id      spec.ClientID
	next    spec.RequestNumber
	replies chan reply
	// want is the request number a reply must have to be delivered; the
	// readers check it, so that a late reply to an earlier request
	// cannot take the place of the one awaited.
	want atomic.Uint64
	// resend is the session's resend timer, stopped between requests.
	resend *time.Timer
}

// NewClient returns a client of the cluster; it connects in the
// background.
func NewClient(cfg ClientConfig) (*Client, error) {
	if len(cfg.Addrs) == 0 {
		return nil, errors.New("runtime: client: no replica addresses")
	}
	if cfg.Sessions <= 0 {
		cfg.Sessions = 16
	}
	if cfg.Resend <= 0 {
		cfg.Resend = 200 * time.Millisecond
	}
	if cfg.MaxFrame <= 0 {
		cfg.MaxFrame = DefaultMaxFrame
	}
	if cfg.QueueFrames <= 0 {
		cfg.QueueFrames = 4096
	}
	c := &Client{cfg: cfg, log: cfg.Log, idle: make(chan *session, cfg.Sessions), waiting: map[uint64]*session{}}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if l := cfg.Local; l != nil && (l.cfg.ClusterID != cfg.ClusterID || len(l.cfg.Addrs) != len(cfg.Addrs)) {
		return nil, errors.New("runtime: client: the local server is of another cluster")
	}
	for i := range cfg.Addrs {
		cc := &clientConn{c: c, index: i}
		c.conns = append(c.conns, cc)
		if l := cfg.Local; l != nil && l.cfg.Index == i {
			cc.local = l
			cc.replies = &conn{local: cc.localReply}
			continue
		}
		cc.queue = make(chan []byte, cfg.QueueFrames)
		c.wg.Add(1)
		go cc.run()
	}
	for range cfg.Sessions {
		c.idle <- c.newSession()
	}
	return c, nil
}

// newSession returns a session with a fresh random client ID: a client ID
// is used by one session only, since the replicas remember its latest
// request number.
func (c *Client) newSession() *session {
	var id spec.ClientID
	for id == 0 {
		if c.cfg.Rand == nil {
			id = spec.ClientID(newRand().Uint64())
			continue
		}
		c.mu.Lock()
		id = spec.ClientID(c.cfg.Rand.Uint64())
		c.mu.Unlock()
	}
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &session{id: id, next: 1, replies: make(chan reply, 1), resend: t}
}

// reply is a reply and the replica that sent it.
type reply struct {
	reply spec.Reply
	from  int
}

// Primary returns the replica the client believes primary: the replica
// that sent the latest reply. A primary is the only replica that replies,
// whatever the epoch's group, so the client follows reconfigurations
// without knowing the groups (7.4).
func (c *Client) Primary() int { return int(c.primary.Load()) }

// Epoch returns the latest epoch a reply has told the client of.
func (c *Client) Epoch() spec.EpochNumber { return spec.EpochNumber(c.epoch.Load()) }

// Close closes the client's connections; calls in progress return
// ErrClosed.
func (c *Client) Close() error {
	c.cancel()
	c.wg.Wait()
	for _, cc := range c.conns {
		if cc.replies != nil {
			cc.replies.closed.Store(true)
		}
	}
	return nil
}

// Do submits op and returns its result once the cluster has committed and
// executed it. When ctx ends first, Do returns ctx's error, and the
// operation may or may not execute.
func (c *Client) Do(ctx context.Context, op []byte) ([]byte, error) {
	return c.submit(ctx, op, false)
}

// Read submits op, an operation that only reads, and returns its result.
// A primary that holds a lease (spec.Config.Lease) answers it from its
// state at once; otherwise it goes through the log as Do's does. Either
// way the result is linearizable.
func (c *Client) Read(ctx context.Context, op []byte) ([]byte, error) {
	return c.submit(ctx, op, true)
}

// submit submits op, read-only or not, in an idle session.
func (c *Client) submit(ctx context.Context, op []byte, read bool) ([]byte, error) {
	var s *session
	select {
	case s = <-c.idle:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.ctx.Done():
		return nil, ErrClosed
	}
	result, err := c.do(ctx, s, op, read)
	if err != nil {
		// The request's outcome is unknown: a new session, so that no
		// later request of this one's can be taken for it.
		s = c.newSession()
	}
	c.idle <- s
	return result, err
}

// requestOverhead bounds the bytes of an encoded request beside its
// operation: version, kind, the operation's length, client and number,
// whether it reads only.
const requestOverhead = 3 + 3*binary.MaxVarintLen64

func (c *Client) do(ctx context.Context, s *session, op []byte, read bool) ([]byte, error) {
	req := spec.Request{Op: op, Client: s.id, Request: s.next, Read: read}
	return c.call(ctx, s, req)
}

// Reconfigure asks the cluster to end epoch e and start epoch e+1 with
// group, an odd number of the replicas of ClientConfig.Addrs
// (VR Revisited 7.1), as client admin, which the replicas'
// spec.Config.Admin must name. It returns once the reconfiguration has
// committed: the replicas of the new group start the new epoch, those it
// leaves out shut down once enough of the new group have started, and
// clients follow the new primary on their own. The request number is
// e+1, so that the request that ends an epoch is the same however often
// it is sent, by however many processes. The primary drops a request
// for any epoch but its own, to a group that is the current one, or from
// another client: then Reconfigure waits until ctx ends; Epoch tells the
// epoch of the latest reply.
func (c *Client) Reconfigure(ctx context.Context, admin spec.ClientID, e spec.EpochNumber, group spec.ReplicaSet) error {
	universe := spec.ReplicaSet(1)<<len(c.conns) - 1
	if group&^universe != 0 || group.Count()%2 == 0 {
		return fmt.Errorf("runtime: reconfigure: group %v: want an odd number of the %d replicas' indexes", group, len(c.conns))
	}
	if admin == 0 {
		return errors.New("runtime: reconfigure: no administrator's client ID")
	}
	s := c.newSession()
	s.id, s.next = admin, spec.RequestNumber(e)+1
	_, err := c.call(ctx, s, spec.NewReconfiguration(admin, s.next, e, group))
	if err == nil {
		c.learnEpoch(e + 1)
	}
	return err
}

// learnEpoch records that epoch e has begun.
func (c *Client) learnEpoch(e spec.EpochNumber) {
	for old := c.epoch.Load(); uint64(e) > old && !c.epoch.CompareAndSwap(old, uint64(e)); {
		old = c.epoch.Load()
	}
}

// call sends request req of session s and waits for its reply.
func (c *Client) call(ctx context.Context, s *session, req spec.Request) ([]byte, error) {
	op := req.Op
	// The frame's queue keeps msg until it is written: a buffer of its
	// own, the size of a request with op, allocated once.
	msg := append(make([]byte, 0, len(op)+requestOverhead), wire.Version, byte(generated.KindRequest))
	msg = (*generated.Request)(&req).AppendCanonical(msg) // what AppendMessage encodes, unboxed
	s.want.Store(uint64(s.next))
	c.mu.Lock()
	c.waiting[uint64(s.id)] = s
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiting, uint64(s.id))
		c.mu.Unlock()
	}()
	c.requests.Add(1)
	if c.cfg.Local != nil {
		req.Op = bytes.Clone(op) // the local node keeps it in its log
	}
	c.conns[int(c.primary.Load())%len(c.conns)].send(&req, msg)
	t := s.resend
	t.Reset(c.cfg.Resend)
	defer t.Stop()
	for {
		select {
		case r := <-s.replies:
			if r.reply.Request != s.next {
				continue // a late reply to an earlier request
			}
			s.next++
			c.primary.Store(int32(r.from))
			c.learnEpoch(r.reply.Epoch)
			return r.reply.Result, nil
		case <-t.C:
			// No reply: the primary may be gone. Send to every replica;
			// the one that is primary of the newest view answers.
			for _, cc := range c.conns {
				cc.send(&req, msg)
			}
			t.Reset(c.cfg.Resend)
		case <-ctx.Done():
			return nil, fmt.Errorf("runtime: client %d request %d: %w; it may or may not execute", s.id, s.next, ctx.Err())
		case <-c.ctx.Done():
			return nil, ErrClosed
		}
	}
}

// deliver hands reply r of replica from to the session that waits for it.
func (c *Client) deliver(r spec.Reply, from int) {
	c.mu.Lock()
	s := c.waiting[uint64(r.Client)]
	c.mu.Unlock()
	if s == nil || uint64(r.Request) != s.want.Load() {
		return
	}
	select {
	case s.replies <- reply{r, from}:
	default: // a duplicate reply; the session has one already
	}
}

// clientConn is the client's connection to one replica, redialled with
// backoff, or the way to the local replica.
type clientConn struct {
	c     *Client
	index int
	queue chan []byte
	// local is the replica in this process, and replies its way back.
	local   *Server
	replies *conn
}

// send queues request req, encoded as msg; a full queue drops it, and the
// request is resent. The local replica takes req itself.
func (cc *clientConn) send(req *spec.Request, msg []byte) {
	if cc.local != nil {
		cc.local.submit(req, cc.replies)
		return
	}
	select {
	case cc.queue <- msg:
	default:
	}
}

// localReply takes a reply of the local replica, on its node goroutine.
func (cc *clientConn) localReply(msg []byte) {
	m, err := generated.UnmarshalMessage(msg) // a copy: the caller keeps the result
	if r, ok := m.(spec.Reply); err == nil && ok {
		cc.c.deliver(r, cc.index)
	}
}

func (cc *clientConn) run() {
	defer cc.c.wg.Done()
	wait := redialMin
	for cc.c.ctx.Err() == nil {
		conn, r, err := cc.dial()
		if err != nil {
			select {
			case <-time.After(wait):
			case <-cc.c.ctx.Done():
				return
			}
			wait = min(2*wait, redialMax)
			continue
		}
		wait = redialMin
		done := make(chan struct{})
		stop := context.AfterFunc(cc.c.ctx, func() { conn.Close() })
		go func() {
			cc.read(conn, r)
			conn.Close()
			close(done)
		}()
		writeFrames(conn, cc.queue, done, nil, 0)
		conn.Close()
		<-done
		stop()
	}
}

func (cc *clientConn) dial() (net.Conn, *bufio.Reader, error) {
	d := net.Dialer{Timeout: handshakeTimeout}
	raw, err := d.DialContext(cc.c.ctx, "tcp", cc.c.cfg.Addrs[cc.index])
	if err != nil {
		return nil, nil, err
	}
	conn := raw
	if cc.c.cfg.TLS != nil {
		tc := tls.Client(raw, cc.c.cfg.TLS)
		tc.SetDeadline(time.Now().Add(handshakeTimeout))
		if err := tc.Handshake(); err != nil {
			raw.Close()
			cc.c.log.Warn("TLS handshake with a replica failed", "replica", cc.index, "err", err)
			return nil, nil, err
		}
		conn = tc
	}
	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	h := hello{role: roleClient, cluster: cc.c.cfg.ClusterID}
	if _, err := conn.Write(AppendFrame(nil, h.append(nil))); err != nil {
		conn.Close()
		return nil, nil, err
	}
	r := bufio.NewReaderSize(conn, 64<<10)
	b, err := ReadFrame(r, nil, helloMax)
	var ack hello
	if err == nil {
		ack, err = parseHello(b)
	}
	if err == nil && (ack.role != roleReplica || ack.cluster != cc.c.cfg.ClusterID || ack.replica != cc.index) {
		err = fmt.Errorf("handshake: replica %d of cluster %d answered at the address of replica %d of cluster %d",
			ack.replica, ack.cluster, cc.index, cc.c.cfg.ClusterID)
	}
	if err != nil {
		conn.Close()
		cc.c.log.Warn("handshake with a replica failed", "replica", cc.index, "err", err)
		return nil, nil, err
	}
	conn.SetDeadline(time.Time{})
	return conn, r, nil
}

// read reads replies until the connection ends.
func (cc *clientConn) read(conn net.Conn, r *bufio.Reader) {
	var buf []byte
	for {
		b, err := ReadFrame(r, buf, cc.c.cfg.MaxFrame)
		if err != nil {
			if !isClosed(err) && cc.c.ctx.Err() == nil {
				cc.c.log.Warn("bad frame from a replica; closing the connection", "replica", cc.index, "err", err)
			}
			return
		}
		buf = b[:0]
		m, err := generated.UnmarshalMessage(b) // a copy: the caller keeps the result
		reply, ok := m.(spec.Reply)
		if err != nil || !ok {
			cc.c.log.Warn("a replica sent what is not a reply; closing the connection", "replica", cc.index, "err", err)
			return
		}
		cc.c.deliver(reply, cc.index)
	}
}
