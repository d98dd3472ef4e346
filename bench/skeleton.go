package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync/atomic"

	"github.com/viewstamped/vsr/runtime"
)

// skeletonSystem is the floor the others are measured against: what a
// primary-backup round trip costs on this transport and nothing more. The
// leader, in process, sends each operation as one frame (an 8-byte ID and
// the operation) to both followers, each follower answers with a frame of
// the ID, and the operation is done when one follower (f = 1 of 3) has
// answered. There is no log, no state machine, no view or term.
type skeletonSystem struct {
	g      *group
	links  []*skeletonLink
	next   atomic.Uint64
	ops    *inflight
	faults atomic.Uint64
}

// skeletonLink is the leader's connection to one follower.
type skeletonLink struct {
	conn  net.Conn
	queue chan []byte
}

var errSkeletonStopped = errors.New("skeleton: stopped")

// startSkeleton starts the leader and two followers.
func startSkeleton(ctx context.Context, clients int) (System, error) {
	ls, addrs, err := listenLoopback(2)
	if err != nil {
		return nil, fmt.Errorf("skeleton: %w", err)
	}
	s := &skeletonSystem{g: newGroup(), ops: newInflight()}
	for _, l := range ls {
		s.g.Serve(l, s.follow)
	}
	for _, addr := range addrs {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			s.Stop()
			return nil, fmt.Errorf("skeleton: %w", err)
		}
		link := &skeletonLink{conn: c, queue: make(chan []byte, queueFrames)}
		s.links = append(s.links, link)
		stop := context.AfterFunc(s.g.ctx, func() { c.Close() })
		s.g.Go(func() {
			defer stop()
			if err := writeFrames(c, link.queue, s.g.ctx.Done()); err != nil && s.g.ctx.Err() == nil {
				s.faults.Add(1)
			}
			c.Close()
		})
		s.g.Go(func() { s.readAcks(c) })
	}
	if err := s.Do(ctx, make([]byte, opSize)); err != nil {
		s.Stop()
		return nil, fmt.Errorf("skeleton: first operation: %w", err)
	}
	return s, nil
}

// Do sends op to both followers and waits for the first answer.
func (s *skeletonSystem) Do(ctx context.Context, op []byte) error {
	id := s.next.Add(1)
	body := make([]byte, 8, 8+len(op))
	binary.BigEndian.PutUint64(body, id)
	frame := runtime.AppendFrame(make([]byte, 0, 4+8+len(op)), append(body, op...))
	done := s.ops.add(id)
	for _, l := range s.links {
		select {
		case l.queue <- frame:
		case <-ctx.Done():
			s.ops.forget(id)
			return ctx.Err()
		case <-s.g.ctx.Done():
			return errSkeletonStopped
		}
	}
	return s.ops.wait(ctx, s.g.ctx, id, done, errSkeletonStopped)
}

// readAcks reads a follower's answers on the leader's connection c: the
// first answer to an operation completes it, the second finds it gone.
func (s *skeletonSystem) readAcks(c net.Conn) {
	readFrames(s.g.ctx, c, &s.faults, func(b []byte) bool {
		if len(b) != 8 {
			s.faults.Add(1)
			return false
		}
		s.ops.done(binary.BigEndian.Uint64(b))
		return true
	})
}

// follow is a follower's side of the leader's connection c: it answers
// each operation's frame with a frame of its ID, written by a goroutine of
// its own as the leader's are.
func (s *skeletonSystem) follow(c net.Conn) {
	queue := make(chan []byte, queueFrames)
	done := make(chan struct{})
	defer close(done)
	s.g.Go(func() {
		if err := writeFrames(c, queue, done); err != nil && s.g.ctx.Err() == nil {
			s.faults.Add(1)
		}
		c.Close()
	})
	readFrames(s.g.ctx, c, &s.faults, func(b []byte) bool {
		if len(b) < 8 {
			s.faults.Add(1)
			return false
		}
		select {
		case queue <- runtime.AppendFrame(make([]byte, 0, 4+8), b[:8]):
			return true
		case <-s.g.ctx.Done():
			return false
		}
	})
}

func (s *skeletonSystem) Faults() uint64 { return s.faults.Load() }

func (s *skeletonSystem) Stop() error {
	s.g.Stop()
	return nil
}
