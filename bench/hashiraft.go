package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// hashicorpSystem is github.com/hashicorp/raft: three nodes with in-memory
// log, stable and snapshot stores, over its TCP NetworkTransport. Clients
// apply at the leader, in process; an operation is done when its future
// returns, once the entry is committed and applied at the leader.
type hashicorpSystem struct {
	nodes      []*raft.Raft
	transports []*raft.NetworkTransport
	leader     atomic.Pointer[raft.Raft] // the node clients apply at
}

// hashicorpApplyTimeout bounds how long Apply waits to enqueue an entry.
const hashicorpApplyTimeout = 5 * time.Second

// hashicorpConfig returns the configuration of node id: DefaultConfig but
// for three timeouts, halved so that a new cluster elects its leader
// within a second rather than two: HeartbeatTimeout and ElectionTimeout
// are 500 ms (DefaultConfig: 1 s) and LeaderLeaseTimeout 250 ms
// (DefaultConfig: 500 ms). Shorter ones make a loaded machine lose the
// leader now and then, and every operation fails until there is a new
// one. The logger discards everything.
func hashicorpConfig(id raft.ServerID) *raft.Config {
	c := raft.DefaultConfig()
	c.LocalID = id
	c.HeartbeatTimeout = 500 * time.Millisecond
	c.ElectionTimeout = 500 * time.Millisecond
	c.LeaderLeaseTimeout = 250 * time.Millisecond
	c.Logger = hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Off, Output: io.Discard})
	return c
}

// startHashicorp bootstraps a three-node cluster and returns once its
// leader has applied one operation.
func startHashicorp(ctx context.Context, clients int) (System, error) {
	s := &hashicorpSystem{}
	var servers []raft.Server
	for i := range 3 {
		t, err := raft.NewTCPTransport("127.0.0.1:0", nil, 3, 10*time.Second, io.Discard)
		if err != nil {
			s.Stop()
			return nil, fmt.Errorf("hashicorp: %w", err)
		}
		s.transports = append(s.transports, t)
		servers = append(servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(strconv.Itoa(i + 1)), Address: t.LocalAddr()})
	}
	for i, t := range s.transports {
		conf := hashicorpConfig(servers[i].ID)
		store := raft.NewInmemStore()
		snaps := raft.NewInmemSnapshotStore()
		if err := raft.BootstrapCluster(conf, store, store, snaps, t, raft.Configuration{Servers: servers}); err != nil {
			s.Stop()
			return nil, fmt.Errorf("hashicorp: bootstrap: %w", err)
		}
		r, err := raft.NewRaft(conf, nopFSM{}, store, store, snaps, t)
		if err != nil {
			s.Stop()
			return nil, fmt.Errorf("hashicorp: %w", err)
		}
		s.nodes = append(s.nodes, r)
	}
	for !s.findLeader() {
		select {
		case <-ctx.Done():
			s.Stop()
			return nil, fmt.Errorf("hashicorp: no leader: %w", ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := s.Do(ctx, make([]byte, opSize)); err != nil {
		s.Stop()
		return nil, fmt.Errorf("hashicorp: first operation: %w", err)
	}
	return s, nil
}

// findLeader reports whether a node leads, and makes it the one clients
// apply at.
func (s *hashicorpSystem) findLeader() bool {
	for _, r := range s.nodes {
		if r.State() == raft.Leader {
			s.leader.Store(r)
			return true
		}
	}
	return false
}

// Do applies op at the leader and waits for its future. When the node is
// no longer leader the operation fails, and the next goes to the new
// leader once there is one. The future does not heed ctx: an operation
// that never completes returns when the system stops.
func (s *hashicorpSystem) Do(ctx context.Context, op []byte) error {
	err := s.leader.Load().Apply(op, hashicorpApplyTimeout).Error()
	if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) {
		s.findLeader()
	}
	return err
}

// Faults is always zero: the library reports its troubles in its log,
// which is discarded, and to the operations they fail.
func (s *hashicorpSystem) Faults() uint64 { return 0 }

// Stop shuts every node down, then closes the transports: their
// listeners, and the pooled connections whose far ends' handlers end when
// they close.
func (s *hashicorpSystem) Stop() error {
	var errs []error
	for i, r := range s.nodes {
		if err := r.Shutdown().Error(); err != nil {
			errs = append(errs, fmt.Errorf("hashicorp: node %d: %w", i+1, err))
		}
	}
	for _, t := range s.transports {
		t.CloseStreams()
		if err := t.Close(); err != nil {
			errs = append(errs, fmt.Errorf("hashicorp: %w", err))
		}
	}
	return errors.Join(errs...)
}

// nopFSM is a state machine that does nothing.
type nopFSM struct{}

func (nopFSM) Apply(*raft.Log) any { return nil }

func (nopFSM) Snapshot() (raft.FSMSnapshot, error) { return nopSnapshot{}, nil }

func (nopFSM) Restore(r io.ReadCloser) error { return r.Close() }

// nopSnapshot is nopFSM's snapshot: empty.
type nopSnapshot struct{}

func (nopSnapshot) Persist(sink raft.SnapshotSink) error { return sink.Close() }

func (nopSnapshot) Release() {}
