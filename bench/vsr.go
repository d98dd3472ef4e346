package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/viewstamped/vsr/runtime"
)

// vsrSystem is this project's runtime: three runtime.Servers bootstrapping
// a new cluster, each on its own loopback listener, and one runtime.Client
// that the harness's clients share. As "vsr" the client runs beside the
// primary (runtime.ClientConfig.Local), where the clients of the raft
// systems call their leader; as "vsr-tcp" it reaches the primary over
// loopback TCP, as a client on another host would.
type vsrSystem struct {
	servers []*runtime.Server
	done    []chan error // each server's Run's result
	cancel  context.CancelFunc
	client  *runtime.Client
}

// vsrTick is the length of the servers' clock tick; their timing is
// runtime.DefaultTiming in ticks.
const vsrTick = 5 * time.Millisecond

// newVSRClient returns the client that the harness's clients share, with
// one session for each of them, so that no client waits for another's
// session, beside local unless it is nil. It is the one place the client
// is configured.
func newVSRClient(clusterID uint64, addrs []string, clients int, local *runtime.Server) (*runtime.Client, error) {
	return runtime.NewClient(runtime.ClientConfig{ClusterID: clusterID, Addrs: addrs, Sessions: clients, Local: local})
}

// startVSR starts the vsr system, its client beside replica 0, the
// primary of the first view.
func startVSR(ctx context.Context, clients int) (System, error) {
	return startVSRWith(ctx, clients, true)
}

// startVSRTCP starts the vsr-tcp system, its client on no replica.
func startVSRTCP(ctx context.Context, clients int) (System, error) {
	return startVSRWith(ctx, clients, false)
}

// startVSRWith starts three replicas and a client, beside replica 0 when
// local, and returns once the client has had one operation done.
func startVSRWith(ctx context.Context, clients int, local bool) (System, error) {
	ls, addrs, err := listenLoopback(3)
	if err != nil {
		return nil, fmt.Errorf("vsr: %w", err)
	}
	clusterID := rand.Uint64()
	s := &vsrSystem{}
	for i, l := range ls {
		srv, err := runtime.NewServer(runtime.Config{
			ClusterID: clusterID, Addrs: addrs, Index: i, Bootstrap: true, Tick: vsrTick, Listener: l,
			NewStateMachine: func() runtime.StateMachine {
				return runtime.StateMachineFunc(func(op []byte) []byte { return nil })
			},
		})
		if err != nil {
			closeAll(ls)
			return nil, fmt.Errorf("vsr: %w", err)
		}
		s.servers = append(s.servers, srv)
	}
	var runCtx context.Context
	runCtx, s.cancel = context.WithCancel(context.Background())
	for _, srv := range s.servers {
		done := make(chan error, 1)
		s.done = append(s.done, done)
		go func() { done <- srv.Run(runCtx) }()
	}
	var beside *runtime.Server
	if local {
		beside = s.servers[0]
	}
	s.client, err = newVSRClient(clusterID, addrs, clients, beside)
	if err != nil {
		s.Stop()
		return nil, fmt.Errorf("vsr: %w", err)
	}
	if _, err := s.client.Do(ctx, make([]byte, opSize)); err != nil {
		s.Stop()
		return nil, fmt.Errorf("vsr: first operation: %w", err)
	}
	return s, nil
}

func (s *vsrSystem) Do(ctx context.Context, op []byte) error {
	_, err := s.client.Do(ctx, op)
	return err
}

// Faults counts the frames and handshakes the servers refused.
func (s *vsrSystem) Faults() uint64 {
	var n uint64
	for _, srv := range s.servers {
		n += srv.Counters().Rejected
	}
	return n
}

// Stop closes the client, then stops the servers and waits for each
// server's Run to return, which it does once its goroutines have ended.
func (s *vsrSystem) Stop() error {
	if s.client != nil {
		s.client.Close()
	}
	s.cancel()
	var errs []error
	for i, done := range s.done {
		if err := <-done; err != nil {
			errs = append(errs, fmt.Errorf("vsr: replica %d: %w", i, err))
		}
	}
	return errors.Join(errs...)
}
