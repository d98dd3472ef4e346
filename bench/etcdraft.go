package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/viewstamped/vsr/runtime"
)

// etcdSystem is go.etcd.io/raft: three raft.Nodes with MemoryStorage,
// each driven as etcd's raftexample drives one (a ticker and a loop over
// Ready), over a small TCP transport of length-prefixed frames. Node 1
// campaigns at the start, and clients propose at it: an entry is an
// 8-byte ID and the operation, and an operation is done when node 1
// applies its entry.
type etcdSystem struct {
	g      *group
	nodes  []*etcdNode
	next   atomic.Uint64
	ops    *inflight
	faults atomic.Uint64
}

// etcdNode is one replica: its raft.Node, its storage and its outgoing
// connections.
type etcdNode struct {
	s       *etcdSystem
	id      uint64
	node    raft.Node
	storage *raft.MemoryStorage
	peers   map[uint64]*etcdPeer
	// applied, when set, is told the ID of every normal entry the node
	// applies.
	applied func(id uint64)
}

// etcdPeer is a node's outgoing connection to another node, fed by a
// queue of frames.
type etcdPeer struct {
	id    uint64
	addr  string
	queue chan []byte
}

const (
	// etcdTick is the length of a raft tick, raftexample's: heartbeats
	// every tick, elections after 10 to 20 ticks of silence. Shorter ticks
	// make elections fire on a loaded machine, and a leader change drops
	// the proposals in flight without notice; the start does not wait on
	// the tick, since node 1 campaigns at once.
	etcdTick = 100 * time.Millisecond
	// etcdCampaignAgain is how long a campaign may take before node 1
	// campaigns again.
	etcdCampaignAgain = 100 * time.Millisecond
	// etcdRedial is how long a peer's connection waits to dial again.
	etcdRedial = 50 * time.Millisecond
)

var errEtcdStopped = errors.New("etcd: stopped")

// etcdLogger discards the library's log.
var etcdLogger = &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}

// startEtcd starts three nodes, makes node 1 campaign, and returns once
// node 1 leads and has applied one operation.
func startEtcd(ctx context.Context, clients int) (System, error) {
	ls, addrs, err := listenLoopback(3)
	if err != nil {
		return nil, fmt.Errorf("etcd: %w", err)
	}
	s := &etcdSystem{g: newGroup(), ops: newInflight()}
	peers := make([]raft.Peer, len(addrs))
	for i := range addrs {
		peers[i] = raft.Peer{ID: uint64(i + 1)}
	}
	for i := range addrs {
		n := &etcdNode{s: s, id: uint64(i + 1), storage: raft.NewMemoryStorage(), peers: map[uint64]*etcdPeer{}}
		for j, addr := range addrs {
			if j != i {
				n.peers[uint64(j+1)] = &etcdPeer{id: uint64(j + 1), addr: addr, queue: make(chan []byte, queueFrames)}
			}
		}
		n.node = raft.StartNode(&raft.Config{
			ID:              n.id,
			ElectionTick:    10,
			HeartbeatTick:   1,
			Storage:         n.storage,
			MaxSizePerMsg:   1 << 20,
			MaxInflightMsgs: 256,
			Logger:          etcdLogger,
		}, peers)
		s.nodes = append(s.nodes, n)
	}
	leader := s.nodes[0]
	leader.applied = s.ops.done
	for i, n := range s.nodes {
		s.g.Serve(ls[i], n.receive)
		for _, p := range n.peers {
			s.g.Go(func() { n.send(p) })
		}
		s.g.Go(n.run)
	}
	if err := leader.campaign(ctx, len(peers)); err != nil {
		s.Stop()
		return nil, fmt.Errorf("etcd: node 1 is not leader: %w", err)
	}
	if err := s.Do(ctx, make([]byte, opSize)); err != nil {
		s.Stop()
		return nil, fmt.Errorf("etcd: first operation: %w", err)
	}
	return s, nil
}

// campaign makes the node campaign until it leads. A node refuses to
// campaign while it has configuration changes committed but not applied,
// as it has until its loop has applied the bootstrap's entries, one for
// each of peers; and another node may win an election first, which a
// later campaign at a higher term overturns.
func (n *etcdNode) campaign(ctx context.Context, peers int) error {
	var last time.Time
	for {
		st := n.node.Status()
		if st.RaftState == raft.StateLeader {
			return nil
		}
		if st.Applied >= uint64(peers) && time.Since(last) > etcdCampaignAgain {
			if err := n.node.Campaign(ctx); err != nil {
				return err
			}
			last = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Do proposes op at node 1 and waits until node 1 applies it.
func (s *etcdSystem) Do(ctx context.Context, op []byte) error {
	id := s.next.Add(1)
	data := make([]byte, 8, 8+len(op))
	binary.BigEndian.PutUint64(data, id)
	data = append(data, op...)
	done := s.ops.add(id)
	if err := s.nodes[0].node.Propose(ctx, data); err != nil {
		s.ops.forget(id)
		return err
	}
	return s.ops.wait(ctx, s.g.ctx, id, done, errEtcdStopped)
}

// run is the node's loop: it ticks the node, and handles each Ready in
// turn: it stores the snapshot, hard state and entries, sends the
// messages, applies the committed entries, and advances.
func (n *etcdNode) run() {
	t := time.NewTicker(etcdTick)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			n.node.Tick()
		case rd := <-n.node.Ready():
			if !raft.IsEmptySnap(rd.Snapshot) {
				n.check(n.storage.ApplySnapshot(rd.Snapshot))
			}
			if !raft.IsEmptyHardState(rd.HardState) {
				n.check(n.storage.SetHardState(rd.HardState))
			}
			n.check(n.storage.Append(rd.Entries))
			n.sendAll(rd.Messages)
			n.apply(rd.CommittedEntries)
			n.node.Advance()
		case <-n.s.g.ctx.Done():
			return
		}
	}
}

// check counts err, when not nil, as a fault.
func (n *etcdNode) check(err error) {
	if err != nil {
		n.s.faults.Add(1)
	}
}

// sendAll queues each message for its peer. The messages are encoded
// here, in the node's loop, before the next Ready can change what they
// hold. A message whose peer's queue is full is dropped, and the peer
// reported unreachable, as raftexample's transport does.
func (n *etcdNode) sendAll(msgs []*raftpb.Message) {
	for _, m := range msgs {
		p := n.peers[m.GetTo()]
		if p == nil {
			n.s.faults.Add(1)
			continue
		}
		b, err := proto.Marshal(m)
		if err != nil {
			n.s.faults.Add(1)
			continue
		}
		select {
		case p.queue <- runtime.AppendFrame(make([]byte, 0, 4+len(b)), b):
		default:
			n.node.ReportUnreachable(p.id)
		}
	}
}

// apply applies committed entries: a normal entry completes its
// operation, a configuration change goes to the node.
func (n *etcdNode) apply(entries []*raftpb.Entry) {
	for _, e := range entries {
		switch e.GetType() {
		case raftpb.EntryNormal:
			if data := e.GetData(); len(data) >= 8 && n.applied != nil {
				n.applied(binary.BigEndian.Uint64(data))
			}
		case raftpb.EntryConfChange:
			var cc raftpb.ConfChange
			if err := proto.Unmarshal(e.GetData(), &cc); err != nil {
				n.s.faults.Add(1)
				continue
			}
			n.node.ApplyConfChange(&cc)
		case raftpb.EntryConfChangeV2:
			var cc raftpb.ConfChangeV2
			if err := proto.Unmarshal(e.GetData(), &cc); err != nil {
				n.s.faults.Add(1)
				continue
			}
			n.node.ApplyConfChange(&cc)
		}
	}
}

// send keeps a connection to peer p and writes its queue to it, dialling
// again after a failure, which it reports to the node, until the system
// stops.
func (n *etcdNode) send(p *etcdPeer) {
	ctx := n.s.g.ctx
	for ctx.Err() == nil {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", p.addr)
		if err == nil {
			stop := context.AfterFunc(ctx, func() { c.Close() })
			err = writeFrames(c, p.queue, ctx.Done())
			stop()
			c.Close()
		}
		if err == nil || ctx.Err() != nil {
			return
		}
		n.node.ReportUnreachable(p.id)
		select {
		case <-time.After(etcdRedial):
		case <-ctx.Done():
			return
		}
	}
}

// receive reads messages from a peer's connection c and steps the node
// with them.
func (n *etcdNode) receive(c net.Conn) {
	ctx := n.s.g.ctx
	readFrames(ctx, c, &n.s.faults, func(b []byte) bool {
		m := &raftpb.Message{}
		if err := proto.Unmarshal(b, m); err != nil { // copies what it keeps from b
			n.s.faults.Add(1)
			return false
		}
		if err := n.node.Step(ctx, m); err != nil {
			if ctx.Err() == nil {
				n.s.faults.Add(1)
			}
			return false
		}
		return true
	})
}

func (s *etcdSystem) Faults() uint64 { return s.faults.Load() }

// Stop ends the loops and connections, then stops the nodes.
func (s *etcdSystem) Stop() error {
	s.g.Stop()
	for _, n := range s.nodes {
		n.node.Stop()
	}
	return nil
}
