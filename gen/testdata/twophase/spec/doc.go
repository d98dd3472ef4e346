// Package spec is two-phase commit (Gray, "Notes on Data Base Operating
// Systems", 1978) written in the protocol description language of package
// lang: a second, small protocol that the generator's golden and end-to-end
// tests compile. Node 0 is the coordinator; nodes 1 to n-1 are the
// participants, which vote.
//
// The rules cite the sections of this document:
//
//	2PC.1  a client asks the coordinator to commit a transaction, and the
//	       coordinator asks every participant to prepare
//	2PC.2  each participant votes, and its vote is durable
//	2PC.3  once every participant has voted, the coordinator commits if all
//	       voted yes and aborts if any voted no, and tells the participants
//	       and the client
//	2PC.4  a coordinator that waits too long for votes aborts
//	2PC.5  a participant learns the decision
//	2PC.6  a node crashes and restarts; a coordinator that restarts without
//	       a decision aborts (presumed abort)
//
// This toy coordinator runs one transaction in its lifetime, so that the
// state stays a handful of fields.
//
// The package is deterministic: it must never import net, os, time, sync or
// math/rand, and it never starts goroutines.
package spec
