--------------------------------- MODULE VSR ---------------------------------
(***************************************************************************)
(* Viewstamped Replication Revisited (Liskov and Cowling, 2012), the TLA+  *)
(* mirror of the Go spec in spec/.                                          *)
(*                                                                          *)
(* Every rule of spec/ is an action here with the same name, and every     *)
(* field of spec.Replica is a variable with the same name (lower-case      *)
(* first letter), a function from replica indexes.  A rule's guard and its *)
(* effect on one replica are written as operators on a record that holds   *)
(* that replica's fields (Rep), in the order of the Go code, so that the   *)
(* two read side by side.                                                   *)
(*                                                                          *)
(* The environment is the Go checker's (modelcheck/world.go): a network    *)
(* that is a multiset of messages addressed to replicas, where a message   *)
(* sent while an identical copy is in flight merges with it; requests that *)
(* clients hand straight to a replica; budgets for timeouts, drops,        *)
(* duplicates and crashes.  With the same bounds, TLC and `vsrgen check`   *)
(* find the same number of distinct states.                                *)
(*                                                                          *)
(* A step of a replica is one dispatch of the Go code: the first enabled   *)
(* rule of the event, and, when that event is a message with a quorum      *)
(* rule, the first enabled quorum rule right after it.  The action named   *)
(* after a rule is the step in which that rule is the last to fire: the    *)
(* action RecordPrepareOK is a step in which no quorum was reached, the    *)
(* action CommitOperations one in which RecordPrepareOK fired and then     *)
(* CommitOperations did.                                                   *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets, TLC

CONSTANTS
    NumReplicas,        \* 2f+1
    NumClients,
    Values,             \* the values clients submit, one request each: model values, or "v1".."vN" in a trace
    ViewChangeTimeouts, \* how often each timeout kind may fire, in all
    CommitTimeouts,
    RecoveryTimeouts,
    UnboundedTimeouts,  \* the timeout kinds that fire freely
    Drops, Duplicates, Crashes, \* fault budgets over a whole run
    MaxDown,            \* replicas down at once, at most
    StateTransfer,      \* "fixed" or "paper" (spec.StateTransferVariant)
    Recovery,           \* "crashvectors" or "paper" (spec.RecoveryVariant)
    StartViewInNormal,  \* BOOLEAN (spec.Config.StartViewInNormal)
    Batch,              \* requests a Prepare carries, at most (spec.Config.Batch, 0 read as 1)
    Pipeline,           \* Prepares outstanding at the primary, at most; 0 is no bound
    CheckpointInterval, \* committed operations between checkpoints; 0 is none (spec.Config.CheckpointInterval)
    ViewChangeLog,      \* log entries a DoViewChange or StartView carries, at most; 0 is all
    Lease, LeaseMargin, \* ticks a lease lasts, 0 for none; ticks a promise lasts longer (spec.Config)
    LeaseTimeouts,      \* how often LeaseTimeout may fire, in all
    Ticks, Drift,       \* ticks of each replica's clock, at most; how far ahead of the slowest one may be
    InitialMembers,     \* the group of epoch 0, {} for every replica (spec.Config.Members)
    Reconfigure,        \* the group the administrator asks for once, {} for none
    Admin,              \* the administrator's client, 0 for none (spec.Config.Admin)
    MaxDepth            \* with TLC, explore the states at most this many steps from Init; 0 is no bound

ASSUME /\ NumReplicas \in Nat \ {0}
       /\ NumClients \in Nat /\ IsFiniteSet(Values) /\ "" \notin Values
       /\ {ViewChangeTimeouts, CommitTimeouts, RecoveryTimeouts, Drops, Duplicates, Crashes, MaxDown} \subseteq Nat
       /\ UnboundedTimeouts \subseteq {"CommitTimeout", "ViewChangeTimeout", "RecoveryTimeout", "LeaseTimeout"}
       /\ StateTransfer \in {"fixed", "paper"}
       /\ Recovery \in {"crashvectors", "paper"}
       /\ StartViewInNormal \in BOOLEAN
       /\ Batch \in Nat \ {0} /\ Pipeline \in Nat
       /\ CheckpointInterval \in Nat /\ ViewChangeLog \in Nat
       /\ {Lease, LeaseMargin, LeaseTimeouts, Ticks, Drift} \subseteq Nat
       /\ InitialMembers \subseteq 0 .. NumReplicas - 1 /\ Reconfigure \subseteq 0 .. NumReplicas - 1 /\ Admin \in Nat
       /\ MaxDepth \in Nat

Replicas == 0 .. NumReplicas - 1
Clients == 1 .. NumClients
\* Symmetry reduction over the values, as vsrgen check -symmetry does.
ValuePermutations == Permutations(Values)
\* Tick is a tick of a replica's clock, offered as the clocks' bounds say
\* (Offered), not by a budget.
TimeoutKinds == {"CommitTimeout", "ViewChangeTimeout", "RecoveryTimeout", "LeaseTimeout", "Tick"}
TimeoutLimit == [CommitTimeout |-> CommitTimeouts,
                 ViewChangeTimeout |-> ViewChangeTimeouts,
                 RecoveryTimeout |-> RecoveryTimeouts,
                 LeaseTimeout |-> LeaseTimeouts,
                 Tick |-> 0]

Min(a, b) == IF a < b THEN a ELSE b
Max(a, b) == IF a > b THEN a ELSE b
SetMax(S) == CHOOSE x \in S : \A y \in S : y <= x
SetMin(S) == CHOOSE x \in S : \A y \in S : x <= y
EmptyFn == [x \in {} |-> 0]

\* Groups (7): sets of replica indexes. The group of epoch 0 is the
\* configuration's; the primary of view v in group g is the (v mod |g|)-th
\* member in index order (spec.ReplicaSet.Primary).
Group0 == IF InitialMembers = {} THEN Replicas ELSE InitialMembers
Nth(g, k) == CHOOSE i \in g : Cardinality({j \in g : j < i}) = k
\* The groups a configuration has, in index order: constants, which TLC
\* evaluates once.
Order0 == [k \in 0 .. Cardinality(Group0) - 1 |-> Nth(Group0, k)]
OrderR == [k \in 0 .. Cardinality(Reconfigure) - 1 |-> Nth(Reconfigure, k)]
PrimaryIn(g, v) ==
    CASE g = Replicas -> v % NumReplicas
      [] g = Group0 -> Order0[v % Cardinality(Group0)]
      [] g = Reconfigure /\ g # {} -> OrderR[v % Cardinality(Reconfigure)]
      [] g = {} -> 0
      [] OTHER -> Nth(g, v % Cardinality(g))
FOf(g) == (Cardinality(g) - 1) \div 2
UsesVectors == Recovery = "crashvectors"

VARIABLES
    \* spec.Replica, one function per field, indexed by replica
    status, view, lastNormalView, opNumber, commitNumber, logStart, log, clientTable,
    checkpoint, prepareOKs, startViewChanges, sentDoViewChange, doViewChanges, nonce,
    recoveryResponses, crashVectorFrom, crashVector, viewStart, lease, leaseRound,
    leaseAge, leaseGrants, promise, epoch, members, oldMembers, epochStart, epochStarted,
    \* the environment
    net,          \* messages in flight: <<destination, message>> -> copies
    clients,      \* each client's latest request and whether it waits
    submitted,    \* the values submitted so far
    acked,        \* the replies clients have received
    timeoutsLeft, \* what is left of each bounded timeout kind
    dropsLeft, dupsLeft, crashesLeft,
    restarts,     \* restarts so far; the next restart's nonce is one more
    clocks,       \* how often each replica's clock has ticked
    admin         \* the administrator's reconfiguration: "idle", "waiting" or "done"

replicaVars == <<status, view, lastNormalView, opNumber, commitNumber, logStart, log, clientTable,
                 checkpoint, prepareOKs, startViewChanges, sentDoViewChange, doViewChanges, nonce,
                 recoveryResponses, crashVectorFrom, crashVector, viewStart, lease, leaseRound,
                 leaseAge, leaseGrants, promise, epoch, members, oldMembers, epochStart, epochStarted>>
envVars == <<net, clients, submitted, acked, timeoutsLeft, dropsLeft, dupsLeft, crashesLeft, restarts, clocks, admin>>
vars == <<replicaVars, envVars>>

(***************************************************************************)
(* One replica's state as a record, and back.                              *)
(***************************************************************************)
Rep(r) == [index |-> r, status |-> status[r], view |-> view[r],
           lastNormalView |-> lastNormalView[r], opNumber |-> opNumber[r],
           commitNumber |-> commitNumber[r], logStart |-> logStart[r], log |-> log[r],
           clientTable |-> clientTable[r], checkpoint |-> checkpoint[r], prepareOKs |-> prepareOKs[r],
           startViewChanges |-> startViewChanges[r],
           sentDoViewChange |-> sentDoViewChange[r],
           doViewChanges |-> doViewChanges[r], nonce |-> nonce[r],
           recoveryResponses |-> recoveryResponses[r],
           crashVectorFrom |-> crashVectorFrom[r], crashVector |-> crashVector[r],
           viewStart |-> viewStart[r], lease |-> lease[r], leaseRound |-> leaseRound[r],
           leaseAge |-> leaseAge[r], leaseGrants |-> leaseGrants[r], promise |-> promise[r],
           epoch |-> epoch[r], members |-> members[r], oldMembers |-> oldMembers[r],
           epochStart |-> epochStart[r], epochStarted |-> epochStarted[r]]

SetRep(r, s) ==
    /\ status' = [status EXCEPT ![r] = s.status]
    /\ view' = [view EXCEPT ![r] = s.view]
    /\ lastNormalView' = [lastNormalView EXCEPT ![r] = s.lastNormalView]
    /\ opNumber' = [opNumber EXCEPT ![r] = s.opNumber]
    /\ commitNumber' = [commitNumber EXCEPT ![r] = s.commitNumber]
    /\ logStart' = [logStart EXCEPT ![r] = s.logStart]
    /\ log' = [log EXCEPT ![r] = s.log]
    /\ clientTable' = [clientTable EXCEPT ![r] = s.clientTable]
    /\ checkpoint' = [checkpoint EXCEPT ![r] = s.checkpoint]
    /\ prepareOKs' = [prepareOKs EXCEPT ![r] = s.prepareOKs]
    /\ startViewChanges' = [startViewChanges EXCEPT ![r] = s.startViewChanges]
    /\ sentDoViewChange' = [sentDoViewChange EXCEPT ![r] = s.sentDoViewChange]
    /\ doViewChanges' = [doViewChanges EXCEPT ![r] = s.doViewChanges]
    /\ nonce' = [nonce EXCEPT ![r] = s.nonce]
    /\ recoveryResponses' = [recoveryResponses EXCEPT ![r] = s.recoveryResponses]
    /\ crashVectorFrom' = [crashVectorFrom EXCEPT ![r] = s.crashVectorFrom]
    /\ crashVector' = [crashVector EXCEPT ![r] = s.crashVector]
    /\ viewStart' = [viewStart EXCEPT ![r] = s.viewStart]
    /\ lease' = [lease EXCEPT ![r] = s.lease]
    /\ leaseRound' = [leaseRound EXCEPT ![r] = s.leaseRound]
    /\ leaseAge' = [leaseAge EXCEPT ![r] = s.leaseAge]
    /\ leaseGrants' = [leaseGrants EXCEPT ![r] = s.leaseGrants]
    /\ promise' = [promise EXCEPT ![r] = s.promise]
    /\ epoch' = [epoch EXCEPT ![r] = s.epoch]
    /\ members' = [members EXCEPT ![r] = s.members]
    /\ oldMembers' = [oldMembers EXCEPT ![r] = s.oldMembers]
    /\ epochStart' = [epochStart EXCEPT ![r] = s.epochStart]
    /\ epochStarted' = [epochStarted EXCEPT ![r] = s.epochStarted]

\* A checkpoint (spec.Checkpoint): the client table, a function from
\* clients as clientTable is, and the service's snapshot, always empty
\* here: the model's service echoes and has no state.
NoCheckpoint == [op |-> 0, clientTable |-> EmptyFn, state |-> ""]

\* spec.NewReplica: view 0, normal status, empty log; standby outside the
\* group of epoch 0.
NewReplica(r) ==
    [index |-> r, status |-> IF r \in Group0 THEN "Normal" ELSE "Standby", view |-> 0, lastNormalView |-> 0,
     opNumber |-> 0, commitNumber |-> 0, logStart |-> 0, log |-> <<>>, clientTable |-> EmptyFn,
     checkpoint |-> NoCheckpoint, prepareOKs |-> EmptyFn, startViewChanges |-> {}, sentDoViewChange |-> FALSE,
     doViewChanges |-> <<>>, nonce |-> 0, recoveryResponses |-> <<>>,
     crashVectorFrom |-> {},
     crashVector |-> IF UsesVectors THEN [i \in 1 .. NumReplicas |-> 0] ELSE <<>>,
     viewStart |-> 0, lease |-> 0, leaseRound |-> 0, leaseAge |-> 0, leaseGrants |-> {}, promise |-> 0,
     epoch |-> 0, members |-> Group0, oldMembers |-> {}, epochStart |-> 0, epochStarted |-> {}]

(***************************************************************************)
(* Effects: what a rule emits (lang.Effects).                              *)
(***************************************************************************)
Send(to, m) == [kind |-> "send", to |-> to, msg |-> m]
Broadcast(m) == [kind |-> "broadcast", msg |-> m]
ReplyTo(c, m) == [kind |-> "reply", client |-> c, msg |-> m]
Result(s, out) == [st |-> s, out |-> out]
\* sendTo: m to every replica of S, in index order.
SendAll(S, m) == [k \in 1 .. Cardinality(S) |-> Send(Nth(S, k - 1), m)]
\* broadcast: m to every member of s's group but s; while every replica is
\* a member, as one broadcast.
Bcast(s, m) == IF s.members = Replicas THEN <<Broadcast(m)>> ELSE SendAll(s.members \ {s.index}, m)

(***************************************************************************)
(* Helpers of spec.Replica (state.go, vectors.go).                         *)
(***************************************************************************)
IsPrimary(s) == PrimaryIn(s.members, s.view) = s.index
Participates(st) == st \in {"Normal", "ViewChange", "StateTransfer"}
Valid(i) == i \in Replicas

NoReply == [epoch |-> 0, view |-> 0, request |-> 0, client |-> 0, result |-> ""]
Req(m) == [op |-> m.op, client |-> m.client, request |-> m.request, read |-> m.read,
           reconfigure |-> m.reconfigure, epoch |-> m.epoch]

InTable(s, c) == c \in DOMAIN s.clientTable

SetClient(s, c, rec) ==
    [s EXCEPT !.clientTable = [x \in DOMAIN s.clientTable \cup {c} |->
                                  IF x = c THEN rec ELSE s.clientTable[x]]]

RecordRequest(s, req) ==
    IF ~InTable(s, req.client) \/ s.clientTable[req.client].request < req.request
    THEN SetClient(s, req.client, [request |-> req.request, executed |-> FALSE, reply |-> NoReply])
    ELSE s

MakeReply(s, req) == [epoch |-> s.epoch, view |-> s.view, request |-> req.request, client |-> req.client, result |-> req.op]

\* executed: a client table (a function) with req recorded as executed with
\* reply, unless it holds a later request of that client.
TableExecuted(t, req, reply) ==
    IF ~(req.client \in DOMAIN t) \/ t[req.client].request <= req.request
    THEN [x \in DOMAIN t \cup {req.client} |->
             IF x = req.client THEN [request |-> req.request, executed |-> TRUE, reply |-> reply] ELSE t[x]]
    ELSE t

RecordExecuted(s, req) == [s EXCEPT !.clientTable = TableExecuted(s.clientTable, req, MakeReply(s, req))]

\* The log's entry of op-number op, and its entries up to op.
Entry(s, op) == s.log[op - s.logStart]
EntriesTo(s, op) == SubSeq(s.log, 1, op - s.logStart)
LogEnd(s) == s.logStart + Len(s.log)

CheckpointDue(op) == CheckpointInterval # 0 /\ op % CheckpointInterval = 0

\* The checkpoint's table with each client's latest request executed
\* since recorded in it, from op first to op last.
RECURSIVE FoldExecuted(_, _, _, _)
FoldExecuted(t, s, first, last) ==
    IF first > last THEN t
    ELSE FoldExecuted(TableExecuted(t, Entry(s, first), MakeReply(s, Entry(s, first))), s, first + 1, last)

\* discardTo: the log after op-number op.
DiscardTo(s, op) ==
    IF op <= s.logStart THEN s
    ELSE [s EXCEPT !.log = SubSeq(s.log, op - s.logStart + 1, Len(s.log)), !.logStart = op]

\* The client table of a checkpoint at the commit-number: the previous
\* checkpoint's with the operations since executed in it.
CheckpointTable(s) == FoldExecuted(s.checkpoint.clientTable, s, s.checkpoint.op + 1, s.commitNumber)

\* takeCheckpoint: a checkpoint at the commit-number; the log discarded up
\* to the previous one.
TakeCheckpoint(s) ==
    DiscardTo([s EXCEPT !.checkpoint = [op |-> s.commitNumber, clientTable |-> CheckpointTable(s), state |-> ""]],
              s.checkpoint.op)

\* installCheckpoint: the history replaced by checkpoint c, with an empty log.
InstallCheckpoint(s, c) ==
    [s EXCEPT !.checkpoint = c, !.logStart = c.op, !.opNumber = c.op, !.commitNumber = c.op,
              !.log = <<>>, !.clientTable = c.clientTable]

\* logFrom: the log after op-number op, the checkpoint and the entries
\* after it when the log no longer holds those.
LogFrom(s, op) ==
    IF op >= s.logStart
    THEN [ckpt |-> NoCheckpoint, entries |-> SubSeq(s.log, Min(op, s.opNumber) - s.logStart + 1, Len(s.log))]
    ELSE [ckpt |-> s.checkpoint, entries |-> SubSeq(s.log, s.checkpoint.op - s.logStart + 1, Len(s.log))]

\* logTail: the last entries, at most ViewChangeLog of them.
LogTail(s) ==
    IF ViewChangeLog # 0 /\ Len(s.log) > ViewChangeLog
    THEN SubSeq(s.log, Len(s.log) - ViewChangeLog + 1, Len(s.log))
    ELSE s.log

Carries(c, base) == c.op # 0 /\ c.op = base

DropAcksTo(s, k) ==
    [s EXCEPT !.prepareOKs = [o \in {x \in DOMAIN s.prepareOKs : x > k} |-> s.prepareOKs[o]]]

Vector(s) == s.crashVector

\* dropLease: the replica leaves the view in which it was primary.
DropLease(s) == [s EXCEPT !.lease = 0, !.leaseRound = 0, !.leaseAge = 0, !.leaseGrants = {}]

\* The StartEpoch of s's epoch, with its committed history, up to the
\* epoch's start at least (startEpoch), and its EpochStarted.
StartEpochMsg(s) ==
    LET lf == LogFrom(s, 0)
        base == s.opNumber - Len(lf.entries)
    IN [type |-> "StartEpoch", epoch |-> s.epoch, start |-> s.epochStart, op |-> s.commitNumber,
        old |-> s.oldMembers, new |-> s.members, after |-> base, checkpoint |-> lf.ckpt,
        log |-> SubSeq(lf.entries, 1, s.commitNumber - base), replica |-> s.index, crashVector |-> Vector(s)]
EpochStartedMsg(s) == [type |-> "EpochStarted", epoch |-> s.epoch, replica |-> s.index, crashVector |-> Vector(s)]

AwaitsStart(s) == (s.members \ s.epochStarted) \ {s.index}

\* resendStartEpoch: at a replica of the epoch before too, the StartEpoch
\* to the members that have not said they started.
ResendStartEpochOut(s) ==
    IF s.epoch > 0 /\ s.index \in s.oldMembers /\ AwaitsStart(s) # {}
    THEN SendAll(AwaitsStart(s), StartEpochMsg(s)) ELSE <<>>

\* endEpoch: the replica has executed its epoch's reconfiguration to group g.
EndEpoch(s, g, out) ==
    LET out1 == IF IsPrimary(s)
                THEN out \o Bcast(s, [type |-> "Commit", epoch |-> s.epoch, view |-> s.view, commit |-> s.commitNumber,
                                      crashVector |-> Vector(s)])
                ELSE out
        s1 == DropLease([s EXCEPT !.oldMembers = s.members, !.members = g, !.epoch = s.epoch + 1,
                                  !.epochStart = s.commitNumber, !.epochStarted = {}, !.view = 0, !.lastNormalView = 0,
                                  !.prepareOKs = EmptyFn, !.startViewChanges = {}, !.sentDoViewChange = FALSE,
                                  !.doViewChanges = <<>>])
        s2 == [s1 EXCEPT !.promise = 0]
        out2 == IF IsPrimary(s) THEN out1 \o SendAll(s2.members \ s2.oldMembers, StartEpochMsg(s2)) ELSE out1
    IN IF s2.index \notin g THEN Result([s2 EXCEPT !.status = "Leaving"], out2)
       ELSE LET s3 == [s2 EXCEPT !.status = "Normal", !.viewStart = IF Lease # 0 THEN s2.opNumber ELSE 0]
            IN Result(s3, out2 \o SendAll(s3.oldMembers \ {s3.index}, EpochStartedMsg(s3)))

\* commitTo's loop: a reconfiguration of the replica's epoch ends it, and
\* the loop with it; replies only for the operations of the epoch.
RECURSIVE CommitLoop(_, _, _)
CommitLoop(s, k, out) ==
    IF s.commitNumber >= k THEN Result(s, out)
    ELSE LET s1 == [s EXCEPT !.commitNumber = s.commitNumber + 1]
             req == Entry(s1, s1.commitNumber)
             s2 == RecordExecuted(s1, req)
             s3 == IF CheckpointDue(s2.commitNumber) THEN TakeCheckpoint(s2) ELSE s2
             out1 == IF IsPrimary(s) /\ s1.commitNumber > s.epochStart
                     THEN Append(out, ReplyTo(req.client, MakeReply(s1, req))) ELSE out
         IN IF req.reconfigure # {} /\ s1.commitNumber > s.epochStart
            THEN EndEpoch(DropAcksTo(s3, s3.commitNumber), req.reconfigure, out1)
            ELSE CommitLoop(s3, k, out1)

\* commitTo: execute up to op k, as far as the log reaches, replying at the
\* primary and taking checkpoints.
CommitTo(s, k, out) ==
    LET res == CommitLoop(s, Min(k, s.opNumber), out)
    IN Result(DropAcksTo(res.st, res.st.commitNumber), res.out)

RECURSIVE RebuildTable(_, _)
RebuildTable(s, op) ==
    IF op > s.opNumber THEN s
    ELSE RebuildTable(IF op <= s.commitNumber THEN RecordExecuted(s, Entry(s, op))
                                              ELSE RecordRequest(s, Entry(s, op)), op + 1)

\* adoptLog: replace the log after logStart and rebuild the client table
\* from the checkpoint's and the log.
AdoptLog(s, lg, commit) ==
    LET s1 == [s EXCEPT !.log = lg, !.opNumber = s.logStart + Len(lg),
                        !.commitNumber = Min(commit, s.logStart + Len(lg)), !.clientTable = s.checkpoint.clientTable]
    IN RebuildTable(s1, Max(s1.logStart, s1.checkpoint.op) + 1)

\* splice: the replica's log up to op base, then entries.
Splice(s, base, entries) ==
    IF base < s.logStart THEN SubSeq(entries, s.logStart - base + 1, Len(entries))
    ELSE EntriesTo(s, base) \o entries

\* adoptSuffix: the log of a later view, the entries after op base,
\* after the replica's own history up to base when it agrees up to agree,
\* after checkpoint c otherwise.
AdoptSuffix(s, base, agree, entries, c) ==
    IF base > agree
    THEN LET s1 == InstallCheckpoint(s, c) IN AdoptLog(s1, entries, s1.commitNumber)
    ELSE AdoptLog(s, Splice(s, base, entries), s.commitNumber)

Fits(s, base, agree, op, c) ==
    IF base <= agree THEN base >= s.logStart \/ op >= s.logStart ELSE Carries(c, base)

Follows(s, base, op, c) == Fits(s, base, s.commitNumber, op, c)


\* awaitAcks: an entry for each Batch operations after the commit-number,
\* and one for the rest.
AwaitAcks(s) ==
    [s EXCEPT !.prepareOKs = [o \in {x \in s.commitNumber + 1 .. s.opNumber :
                                        (x - s.commitNumber) % Batch = 0 \/ x = s.opNumber} |-> {}]]

\* prepared: the last operation a Prepare of the primary carried.
Prepared(s) == IF DOMAIN s.prepareOKs = {} THEN s.commitNumber ELSE SetMax(DOMAIN s.prepareOKs)

PipelineFull(s) == Pipeline # 0 /\ Cardinality(DOMAIN s.prepareOKs) >= Pipeline

\* prepare: the primary's Prepare of the operations from op first to op last.
PrepareMsg(s, first, last) ==
    [type |-> "Prepare", epoch |-> s.epoch, view |-> s.view, requests |-> SubSeq(s.log, first - s.logStart, last - s.logStart), op |-> last,
     commit |-> s.commitNumber, crashVector |-> Vector(s)]

\* prepareWaiting: Prepares of at most Batch requests for the operations no
\* Prepare has carried, while the pipeline has room.
RECURSIVE PrepareWaiting(_, _)
PrepareWaiting(s, out) ==
    IF Prepared(s) >= s.opNumber \/ PipelineFull(s) THEN Result(s, out)
    ELSE LET first == Prepared(s) + 1
             last == Min(s.opNumber, first + Batch - 1)
             s1 == [s EXCEPT !.prepareOKs = [o \in DOMAIN s.prepareOKs \cup {last} |->
                                                IF o = last THEN {} ELSE s.prepareOKs[o]]]
         IN PrepareWaiting(s1, out \o Bcast(s, PrepareMsg(s, first, last)))

\* The Prepares of the entries from op first on, again, each with its batch.
RECURSIVE ResendPrepares(_, _, _)
ResendPrepares(s, first, out) ==
    LET D == {o \in DOMAIN s.prepareOKs : o >= first}
    IN IF D = {} THEN out
       ELSE LET last == SetMin(D)
            IN ResendPrepares(s, last + 1, out \o Bcast(s, PrepareMsg(s, first, last)))

\* A backup appends requests in order, recording each in its client table.
RECURSIVE AppendRequests(_, _)
AppendRequests(s, reqs) ==
    IF reqs = <<>> THEN s
    ELSE AppendRequests(RecordRequest([s EXCEPT !.opNumber = s.opNumber + 1, !.log = Append(s.log, Head(reqs))],
                                      Head(reqs)), Tail(reqs))

QuorumOp(s) ==
    LET Q == {o \in DOMAIN s.prepareOKs : Cardinality(s.prepareOKs[o]) >= FOf(s.members)}
    IN IF Q = {} THEN s.commitNumber ELSE SetMax(Q)

Current(s, from, cv) ==
    /\ Valid(from)
    /\ \/ ~UsesVectors
       \/ /\ Len(cv) = NumReplicas /\ Len(s.crashVector) = NumReplicas
          /\ cv[from + 1] >= s.crashVector[from + 1]

\* fresh: a message of s's epoch from a member of its group, and current.
Fresh(s, from, e, cv) == e = s.epoch /\ from \in s.members /\ Current(s, from, cv)

\* forget: drop what s collected from the replicas in J.
Forget(s, J) ==
    [s EXCEPT !.prepareOKs = [o \in DOMAIN s.prepareOKs |-> s.prepareOKs[o] \ J],
              !.startViewChanges = s.startViewChanges \ J,
              !.doViewChanges = SelectSeq(s.doViewChanges, LAMBDA d : d.replica \notin J),
              !.recoveryResponses = SelectSeq(s.recoveryResponses, LAMBDA d : d.replica \notin J)]

Merge(s, cv) ==
    IF ~UsesVectors \/ Len(cv) # Len(s.crashVector) THEN s
    ELSE LET J == {i - 1 : i \in {i \in 1 .. Len(cv) : cv[i] > s.crashVector[i]}}
         IN IF J = {} THEN s
            ELSE Forget([s EXCEPT !.crashVector = [i \in 1 .. Len(cv) |-> Max(cv[i], s.crashVector[i])]], J)

(***************************************************************************)
(* 4.1 Normal operation (normal.go).                                       *)
(***************************************************************************)
ResendReplyGuard(s, m) ==
    /\ s.status = "Normal" /\ IsPrimary(s)
    /\ InTable(s, m.client)
    /\ s.clientTable[m.client].executed /\ s.clientTable[m.client].request = m.request
ResendReplyApply(s, m) == Result(s, <<ReplyTo(m.client, s.clientTable[m.client].reply)>>)

\* The Go guard also bounds the client table at 2^16 clients (tableAccepts),
\* which no configuration here comes near.
\* reconfiguring: the log holds a reconfiguration of the replica's epoch.
Reconfiguring(s) == \E op \in Max(s.epochStart, s.logStart) + 1 .. s.opNumber : Entry(s, op).reconfigure # {}

\* accepts: no request after a reconfiguration, and a reconfiguration only
\* from the administrator, for the epoch, to another group of an odd size.
Accepts(s, m) ==
    /\ ~Reconfiguring(s)
    /\ \/ m.reconfigure = {}
       \/ /\ Admin # 0 /\ m.client = Admin /\ m.epoch = s.epoch /\ m.op = "" /\ ~m.read
          /\ m.reconfigure \subseteq Replicas /\ Cardinality(m.reconfigure) % 2 = 1 /\ m.reconfigure # s.members

ReceiveRequestGuard(s, m) ==
    /\ s.status = "Normal" /\ IsPrimary(s) /\ Accepts(s, m)
    /\ ~InTable(s, m.client) \/ m.request > s.clientTable[m.client].request
ReceiveRequestApply(s, m) ==
    LET s1 == [s EXCEPT !.opNumber = s.opNumber + 1, !.log = Append(s.log, Req(m))]
        s2 == SetClient(s1, m.client, [request |-> m.request, executed |-> FALSE, reply |-> NoReply])
    IN PrepareWaiting(s2, <<>>)

ReceivePrepareGuard(s, m) ==
    /\ s.status = "Normal" /\ ~IsPrimary(s) /\ m.view = s.view /\ m.op > s.opNumber
    /\ m.op - s.opNumber <= Len(m.requests)
    /\ Fresh(s, PrimaryIn(s.members, s.view), m.epoch, m.crashVector)
ReceivePrepareApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
        n == Len(m.requests)
        s2 == AppendRequests(s1, SubSeq(m.requests, n - (m.op - s1.opNumber) + 1, n))
        c == CommitTo(s2, Min(m.commit, s2.opNumber), <<>>)
    IN IF c.st.epoch # m.epoch THEN c \* the Prepare committed the epoch's reconfiguration
       ELSE Result(c.st, Append(c.out, Send(PrimaryIn(c.st.members, c.st.view),
                  [type |-> "PrepareOK", epoch |-> c.st.epoch, view |-> c.st.view, op |-> m.op, replica |-> c.st.index,
                   crashVector |-> Vector(c.st)])))

RecordPrepareOKGuard(s, m) ==
    /\ s.status = "Normal" /\ IsPrimary(s) /\ m.view = s.view
    /\ m.op > s.commitNumber /\ m.op <= s.opNumber /\ m.replica # s.index
    /\ Fresh(s, m.replica, m.epoch, m.crashVector)
RecordPrepareOKApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
    IN Result([s1 EXCEPT !.prepareOKs = [o \in DOMAIN s1.prepareOKs |->
                   IF o <= m.op THEN s1.prepareOKs[o] \cup {m.replica} ELSE s1.prepareOKs[o]]], <<>>)

\* On a quorum of PrepareOK.
CommitOperationsGuard(s, m) == s.status = "Normal" /\ IsPrimary(s) /\ QuorumOp(s) > s.commitNumber
CommitOperationsApply(s, m) ==
    LET c == CommitTo(s, QuorumOp(s), <<>>) IN PrepareWaiting(c.st, c.out)

\* ackAhead: a PrepareOK for the op-number when the log reaches beyond commit.
AckAhead(s, commit, out) ==
    IF s.opNumber > commit
    THEN Append(out, Send(PrimaryIn(s.members, s.view), [type |-> "PrepareOK", epoch |-> s.epoch, view |-> s.view, op |-> s.opNumber,
                                            replica |-> s.index, crashVector |-> Vector(s)]))
    ELSE out

ReceiveCommitGuard(s, m) ==
    /\ s.status = "Normal" /\ ~IsPrimary(s) /\ m.view = s.view
    /\ m.commit > s.commitNumber /\ s.opNumber > s.commitNumber
    /\ Fresh(s, PrimaryIn(s.members, s.view), m.epoch, m.crashVector)
ReceiveCommitApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
        c == CommitTo(s1, Min(m.commit, s1.opNumber), <<>>)
    IN Result(c.st, AckAhead(c.st, m.commit, c.out))

AckCommitGuard(s, m) ==
    /\ s.status = "Normal" /\ ~IsPrimary(s) /\ m.view = s.view /\ s.opNumber > m.commit
    /\ Fresh(s, PrimaryIn(s.members, s.view), m.epoch, m.crashVector)
AckCommitApply(s, m) ==
    LET s1 == Merge(s, m.crashVector) IN Result(s1, AckAhead(s1, m.commit, <<>>))

\* The Commit, then the Prepares not yet committed again.
SendCommitGuard(s, m) == s.status = "Normal" /\ IsPrimary(s)
SendCommitApply(s, m) ==
    Result(s, ResendPrepares(s, s.commitNumber + 1,
                             Bcast(s, [type |-> "Commit", epoch |-> s.epoch, view |-> s.view, commit |-> s.commitNumber,
                                       crashVector |-> Vector(s)])) \o ResendStartEpochOut(s))

(***************************************************************************)
(* 4.2 View changes (viewchange.go).                                       *)
(***************************************************************************)

BeginViewChange(s, v) ==
    LET s1 == DropLease([s EXCEPT !.view = v, !.status = "ViewChange", !.startViewChanges = {},
                                  !.sentDoViewChange = FALSE, !.doViewChanges = <<>>, !.prepareOKs = EmptyFn])
    IN Result(s1, Bcast(s1, [type |-> "StartViewChange", epoch |-> s1.epoch, view |-> v, replica |-> s1.index,
                             crashVector |-> Vector(s1)]))

StartViewChangeOnTimeoutGuard(s, m) ==
    /\ \/ s.status = "Normal" /\ ~IsPrimary(s)
       \/ s.status = "ViewChange"
       \/ s.status = "StateTransfer"
    /\ s.promise = 0
StartViewChangeOnTimeoutApply(s, m) ==
    LET b == BeginViewChange(s, s.view + 1) IN Result(b.st, b.out \o ResendStartEpochOut(b.st))

JoinViewChangeGuard(s, m) ==
    /\ Participates(s.status) /\ m.view > s.view /\ m.replica # s.index /\ s.promise = 0
    /\ Fresh(s, m.replica, m.epoch, m.crashVector)
JoinViewChangeApply(s, m) ==
    LET b == BeginViewChange(Merge(s, m.crashVector), m.view)
    IN Result([b.st EXCEPT !.startViewChanges = b.st.startViewChanges \cup {m.replica}], b.out)

RecordStartViewChangeGuard(s, m) ==
    s.status = "ViewChange" /\ m.view = s.view /\ m.replica # s.index /\ Fresh(s, m.replica, m.epoch, m.crashVector)
RecordStartViewChangeApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
    IN Result([s1 EXCEPT !.startViewChanges = s1.startViewChanges \cup {m.replica}], <<>>)

\* doViewChange: the replica's DoViewChange with checkpoint c and entries.
DVCMsg(s, c, entries) ==
    [type |-> "DoViewChange", epoch |-> s.epoch, view |-> s.view, checkpoint |-> c, log |-> entries,
     lastNormalView |-> s.lastNormalView, op |-> s.opNumber, commit |-> s.commitNumber,
     replica |-> s.index, crashVector |-> Vector(s)]

\* On a quorum of StartViewChange.
SendDoViewChangeGuard(s, m) ==
    s.status = "ViewChange" /\ ~s.sentDoViewChange /\ Cardinality(s.startViewChanges) >= FOf(s.members)
SendDoViewChangeApply(s, m) ==
    Result([s EXCEPT !.sentDoViewChange = TRUE], <<Send(PrimaryIn(s.members, s.view), DVCMsg(s, NoCheckpoint, LogTail(s)))>>)

RecordDVC(s, m) ==
    [s EXCEPT !.doViewChanges = Append(SelectSeq(s.doViewChanges, LAMBDA d : d.replica # m.replica), m)]

JoinViewChangeOnDoViewChangeGuard(s, m) ==
    /\ Participates(s.status) /\ m.view > s.view /\ PrimaryIn(s.members, m.view) = s.index /\ s.promise = 0
    /\ Fresh(s, m.replica, m.epoch, m.crashVector)
JoinViewChangeOnDoViewChangeApply(s, m) ==
    LET b == BeginViewChange(Merge(s, m.crashVector), m.view) IN Result(RecordDVC(b.st, m), b.out)

RecordDoViewChangeGuard(s, m) ==
    s.status = "ViewChange" /\ m.view = s.view /\ IsPrimary(s) /\ Fresh(s, m.replica, m.epoch, m.crashVector)
RecordDoViewChangeApply(s, m) == Result(RecordDVC(Merge(s, m.crashVector), m), <<>>)

\* The DoViewChange with the largest last normal view, ties broken by the
\* largest op-number, the first such in the order received.
RECURSIVE BestDVC(_, _, _)
BestDVC(ds, i, best) ==
    IF i > Len(ds) THEN best
    ELSE BestDVC(ds, i + 1,
                 IF \/ ds[i].lastNormalView > best.lastNormalView
                    \/ ds[i].lastNormalView = best.lastNormalView /\ ds[i].op > best.op
                 THEN ds[i] ELSE best)

Best(s) == BestDVC(s.doViewChanges, 1, s.doViewChanges[1])

\* agreesWith: up to where the primary's history agrees with d's log.
AgreesWith(s, d) == IF d.lastNormalView = s.lastNormalView THEN Min(s.opNumber, d.op) ELSE s.commitNumber

Connects(s, d) == Len(d.log) <= d.op /\ Fits(s, d.op - Len(d.log), AgreesWith(s, d), d.op, d.checkpoint)

\* viewSource: the index of the first DoViewChange with the best one's last
\* normal view and op-number whose entries connect; 0 for none.
SourceIndex(s) ==
    LET ds == s.doViewChanges
        best == Best(s)
        I == {i \in 1 .. Len(ds) : ds[i].lastNormalView = best.lastNormalView /\ ds[i].op = best.op /\ Connects(s, ds[i])}
    IN IF I = {} THEN 0 ELSE SetMin(I)

\* On a quorum of DoViewChange.
StartNewViewGuard(s, m) ==
    s.status = "ViewChange" /\ IsPrimary(s) /\ Len(s.doViewChanges) >= FOf(s.members) + 1 /\ SourceIndex(s) # 0
StartNewViewApply(s, m) ==
    LET d == s.doViewChanges[SourceIndex(s)]
        commit == SetMax({0} \cup {s.doViewChanges[i].commit : i \in 1 .. Len(s.doViewChanges)})
        s0 == AdoptSuffix([s EXCEPT !.status = "Normal", !.lastNormalView = s.view],
                          d.op - Len(d.log), AgreesWith(s, d), d.log, d.checkpoint)
        s1 == IF Lease # 0 THEN [s0 EXCEPT !.viewStart = s0.opNumber] ELSE s0
        c == CommitTo(s1, commit, <<>>)
        s2 == [AwaitAcks(c.st) EXCEPT !.startViewChanges = {}, !.sentDoViewChange = FALSE, !.doViewChanges = <<>>]
    IN IF c.st.epoch # s.epoch THEN c \* the view committed the epoch's reconfiguration
       ELSE Result(s2, c.out \o Bcast(s2, [type |-> "StartView", epoch |-> s2.epoch, view |-> s2.view, checkpoint |-> NoCheckpoint,
                                           log |-> LogTail(s2), op |-> s2.opNumber, commit |-> s2.commitNumber,
                                           crashVector |-> Vector(s2)]))

\* On a quorum of DoViewChange (5.3).
FetchDoViewChangeGuard(s, m) ==
    s.status = "ViewChange" /\ IsPrimary(s) /\ Len(s.doViewChanges) >= FOf(s.members) + 1 /\ SourceIndex(s) = 0
FetchDoViewChangeApply(s, m) ==
    LET d == Best(s)
    IN Result(s, <<Send(d.replica, [type |-> "GetDoViewChange", epoch |-> s.epoch, view |-> s.view, op |-> AgreesWith(s, d),
                                    replica |-> s.index, crashVector |-> Vector(s)])>>)

ResendDoViewChangeGuard(s, m) ==
    /\ s.status = "ViewChange" /\ m.view = s.view /\ s.sentDoViewChange /\ m.replica = PrimaryIn(s.members, s.view)
    /\ m.replica # s.index /\ Fresh(s, m.replica, m.epoch, m.crashVector)
ResendDoViewChangeApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
        lf == LogFrom(s1, m.op)
    IN Result(s1, <<Send(m.replica, DVCMsg(s1, lf.ckpt, lf.entries))>>)

AcceptsStartView(s, m) ==
    /\ Participates(s.status) /\ PrimaryIn(s.members, m.view) # s.index /\ Fresh(s, PrimaryIn(s.members, m.view), m.epoch, m.crashVector)
    /\ Len(m.log) <= m.op
    /\ \/ m.view > s.view
       \/ m.view = s.view /\ s.status = "ViewChange"
       \/ m.view = s.view /\ s.status = "Normal" /\ StartViewInNormal

ReceiveStartViewGuard(s, m) == AcceptsStartView(s, m) /\ Follows(s, m.op - Len(m.log), m.op, m.checkpoint)
ReceiveStartViewApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
        oldCommit == s1.commitNumber
        s2 == AdoptSuffix([s1 EXCEPT !.view = m.view, !.status = "Normal", !.lastNormalView = m.view],
                          m.op - Len(m.log), oldCommit, m.log, m.checkpoint)
        c == CommitTo(s2, Max(m.commit, oldCommit), <<>>)
        s3 == [DropLease([c.st EXCEPT !.prepareOKs = EmptyFn]) EXCEPT !.startViewChanges = {},
                           !.sentDoViewChange = FALSE, !.doViewChanges = <<>>]
    IN Result(s3, IF s3.opNumber > s3.commitNumber
                  THEN Append(c.out, Send(PrimaryIn(s3.members, s3.view), [type |-> "PrepareOK", epoch |-> s3.epoch, view |-> s3.view,
                              op |-> s3.opNumber, replica |-> s3.index, crashVector |-> Vector(s3)]))
                  ELSE c.out)

FetchStartViewGuard(s, m) == AcceptsStartView(s, m) /\ ~Follows(s, m.op - Len(m.log), m.op, m.checkpoint)
FetchStartViewApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
    IN Result(s1, <<Send(PrimaryIn(s.members, m.view), [type |-> "GetStartView", epoch |-> s1.epoch, view |-> m.view, op |-> s1.commitNumber,
                                           replica |-> s1.index, crashVector |-> Vector(s1)])>>)

SendStartViewGuard(s, m) ==
    /\ s.status = "Normal" /\ IsPrimary(s) /\ m.view = s.view /\ m.replica # s.index
    /\ Fresh(s, m.replica, m.epoch, m.crashVector)
SendStartViewApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
        lf == LogFrom(s1, m.op)
    IN Result(s1, <<Send(m.replica, [type |-> "StartView", epoch |-> s1.epoch, view |-> s1.view, checkpoint |-> lf.ckpt,
                                     log |-> lf.entries, op |-> s1.opNumber, commit |-> s1.commitNumber,
                                     crashVector |-> Vector(s1)])>>)

(***************************************************************************)
(* 4.3 Recovery (recovery.go).                                             *)
(***************************************************************************)
CrashReplicaGuard(s, m) == s.status # "Crashed"
CrashReplicaApply(s, m) ==
    Result([NewReplica(s.index) EXCEPT !.status = "Crashed", !.crashVector = <<>>], <<>>)

RestartReplicaGuard(s, m) == s.status = "Crashed"
RestartReplicaApply(s, m) ==
    IF UsesVectors
    THEN Result([s EXCEPT !.nonce = m.nonce, !.promise = Lease + LeaseMargin, !.status = "RecoveringVector",
                          !.crashVector = [i \in 1 .. NumReplicas |-> 0]],
                <<Broadcast([type |-> "CrashVectorRequest", replica |-> s.index, nonce |-> m.nonce])>>)
    ELSE Result([s EXCEPT !.nonce = m.nonce, !.promise = Lease + LeaseMargin, !.status = "Recovering"],
                <<Broadcast([type |-> "Recovery", replica |-> s.index, nonce |-> m.nonce, crashVector |-> <<>>])>>)

RetryRecoveryGuard(s, m) == s.status \in {"RecoveringVector", "Recovering"}
RetryRecoveryApply(s, m) ==
    IF s.status = "RecoveringVector"
    THEN Result(s, <<Broadcast([type |-> "CrashVectorRequest", replica |-> s.index, nonce |-> s.nonce])>>)
    ELSE Result(s, <<Broadcast([type |-> "Recovery", replica |-> s.index, nonce |-> s.nonce,
                                crashVector |-> Vector(s)])>>)

SendCrashVectorGuard(s, m) ==
    UsesVectors /\ Participates(s.status) /\ m.replica # s.index /\ Valid(m.replica)
SendCrashVectorApply(s, m) ==
    Result(s, <<Send(m.replica, [type |-> "CrashVectorResponse", replica |-> s.index, nonce |-> m.nonce,
                                 crashVector |-> Vector(s)])>>)

RecordCrashVectorGuard(s, m) ==
    /\ s.status = "RecoveringVector" /\ m.nonce = s.nonce /\ m.replica # s.index
    /\ Valid(m.replica) /\ Len(m.crashVector) = NumReplicas
RecordCrashVectorApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
    IN Result([s1 EXCEPT !.crashVectorFrom = s1.crashVectorFrom \cup {m.replica}], <<>>)

\* On a quorum of CrashVectorResponse.
StartRecoveryGuard(s, m) == s.status = "RecoveringVector" /\ Cardinality(s.crashVectorFrom) >= FOf(s.members) + 1
StartRecoveryApply(s, m) ==
    LET s1 == [s EXCEPT !.crashVector[s.index + 1] = s.crashVector[s.index + 1] + 1,
                        !.status = "Recovering", !.crashVectorFrom = {}]
    IN Result(s1, <<Broadcast([type |-> "Recovery", replica |-> s1.index, nonce |-> s1.nonce,
                               crashVector |-> Vector(s1)])>>)

SendRecoveryResponseGuard(s, m) ==
    s.status = "Normal" /\ m.replica # s.index /\ Current(s, m.replica, m.crashVector)
SendRecoveryResponseApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
        lf == LogFrom(s1, 0)
    IN Result(s1, <<Send(m.replica, [type |-> "RecoveryResponse", epoch |-> s1.epoch,
                                     members |-> IF s1.epoch > 0 THEN s1.members ELSE {},
                                     oldMembers |-> IF s1.epoch > 0 THEN s1.oldMembers ELSE {},
                                     epochStart |-> IF s1.epoch > 0 THEN s1.epochStart ELSE 0,
                                     view |-> s1.view, nonce |-> m.nonce,
                                     checkpoint |-> IF IsPrimary(s1) THEN lf.ckpt ELSE NoCheckpoint,
                                     log |-> IF IsPrimary(s1) THEN lf.entries ELSE <<>>,
                                     op |-> IF IsPrimary(s1) THEN s1.opNumber ELSE 0,
                                     commit |-> IF IsPrimary(s1) THEN s1.commitNumber ELSE 0,
                                     replica |-> s1.index, crashVector |-> Vector(s1)])>>)

RecordRecoveryResponseGuard(s, m) ==
    /\ s.status = "Recovering" /\ m.nonce = s.nonce /\ m.replica # s.index
    /\ Current(s, m.replica, m.crashVector)
RecordRecoveryResponseApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
    IN Result([s1 EXCEPT !.recoveryResponses =
                   Append(SelectSeq(s1.recoveryResponses, LAMBDA x : x.replica # m.replica), m)], <<>>)

\* groupOf: the group of a response's epoch, the configuration's in epoch 0.
GroupOf(m) == IF m.epoch = 0 THEN Group0 ELSE m.members

\* The responses of the primary of the latest view of the latest epoch.
RecoveryPrimaries(s) ==
    LET rs == s.recoveryResponses
        E == SetMax({0} \cup {rs[i].epoch : i \in 1 .. Len(rs)})
        latest == SetMax({0} \cup {rs[i].view : i \in {j \in 1 .. Len(rs) : rs[j].epoch = E}})
    IN {i \in 1 .. Len(rs) : rs[i].epoch = E /\ rs[i].view = latest /\ rs[i].replica = PrimaryIn(GroupOf(rs[i]), latest)}

RecoveryPrimary(s) == s.recoveryResponses[CHOOSE i \in RecoveryPrimaries(s) : \A j \in RecoveryPrimaries(s) : i <= j]

\* recoveryQuorum: f+1 members of the group of p's epoch answered in it.
RecoveryQuorum(s, p) ==
    LET rs == s.recoveryResponses
    IN Cardinality({rs[i].replica : i \in {j \in 1 .. Len(rs) : rs[j].epoch = p.epoch /\ rs[j].replica \in GroupOf(p)}})
           >= FOf(GroupOf(p)) + 1

\* On a quorum of RecoveryResponse.
FinishRecoveryGuard(s, m) ==
    s.status = "Recovering" /\ RecoveryPrimaries(s) # {} /\ RecoveryQuorum(s, RecoveryPrimary(s))
FinishRecoveryApply(s, m) ==
    LET p == RecoveryPrimary(s)
        s1 == [s EXCEPT !.epoch = p.epoch, !.members = GroupOf(p), !.oldMembers = p.oldMembers,
                        !.epochStart = p.epochStart, !.view = p.view, !.lastNormalView = p.view,
                        !.status = IF s.index \in GroupOf(p) THEN "Normal" ELSE "Shutdown"]
        s2 == AdoptLog(IF p.checkpoint.op # 0 THEN InstallCheckpoint(s1, p.checkpoint) ELSE s1, p.log, p.commit)
    IN Result([s2 EXCEPT !.recoveryResponses = <<>>], <<>>)

(***************************************************************************)
(* 5.2 State transfer (statetransfer.go).                                  *)
(***************************************************************************)
GetStateInViewGuard(s, m) ==
    /\ s.status = "Normal" /\ ~IsPrimary(s) /\ m.view = s.view /\ m.op > s.opNumber
    /\ m.op - s.opNumber > Len(m.requests)
    /\ Fresh(s, PrimaryIn(s.members, s.view), m.epoch, m.crashVector)
GetStateInViewApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
    IN Result(s1, <<Send(PrimaryIn(s1.members, s1.view), [type |-> "GetState", epoch |-> s1.epoch, view |-> s1.view, op |-> s1.opNumber,
                                            replica |-> s1.index, crashVector |-> Vector(s1)])>>)

CanLearnView(s, v, e, cv) ==
    /\ s.status \in {"Normal", "ViewChange"} /\ v > s.view
    /\ PrimaryIn(s.members, v) # s.index /\ Fresh(s, PrimaryIn(s.members, v), e, cv)

LearnView(s, v, cv) ==
    LET s1 == [DropLease([Merge(s, cv) EXCEPT !.prepareOKs = EmptyFn]) EXCEPT !.startViewChanges = {},
                                   !.sentDoViewChange = FALSE, !.doViewChanges = <<>>]
        s2 == IF StateTransfer = "paper"
              THEN AdoptLog([s1 EXCEPT !.view = v, !.status = "Normal", !.lastNormalView = v],
                            EntriesTo(s1, s1.commitNumber), s1.commitNumber)
              ELSE [s1 EXCEPT !.status = "StateTransfer"]
    IN Result(s2, <<Send(PrimaryIn(s.members, v), [type |-> "GetState", epoch |-> s2.epoch, view |-> v, op |-> s2.commitNumber,
                                      replica |-> s2.index, crashVector |-> Vector(s2)])>>)

GetStateOnNewerPrepareGuard(s, m) == CanLearnView(s, m.view, m.epoch, m.crashVector)
GetStateOnNewerPrepareApply(s, m) == LearnView(s, m.view, m.crashVector)

GetStateOnNewerCommitGuard(s, m) == CanLearnView(s, m.view, m.epoch, m.crashVector)
GetStateOnNewerCommitApply(s, m) == LearnView(s, m.view, m.crashVector)

SendNewStateGuard(s, m) ==
    /\ s.status = "Normal" /\ m.view = s.view /\ m.op <= s.opNumber /\ m.replica # s.index
    /\ Fresh(s, m.replica, m.epoch, m.crashVector)
SendNewStateApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
        lf == LogFrom(s1, m.op)
    IN Result(s1, <<Send(m.replica, [type |-> "NewState", epoch |-> s1.epoch, view |-> s1.view,
                                     after |-> IF lf.ckpt.op # 0 THEN lf.ckpt.op ELSE m.op,
                                     checkpoint |-> lf.ckpt, log |-> lf.entries, op |-> s1.opNumber,
                                     commit |-> s1.commitNumber, replica |-> s1.index,
                                     crashVector |-> Vector(s1)])>>)

AckIfBehind(c) ==
    IF c.st.opNumber > c.st.commitNumber
    THEN Append(c.out, Send(PrimaryIn(c.st.members, c.st.view), [type |-> "PrepareOK", epoch |-> c.st.epoch, view |-> c.st.view,
                op |-> c.st.opNumber, replica |-> c.st.index, crashVector |-> Vector(c.st)]))
    ELSE c.out

RECURSIVE AppendEntries(_, _, _)
AppendEntries(s, entries, i) ==
    IF i > Len(entries) THEN s
    ELSE AppendEntries(RecordRequest([s EXCEPT !.log = Append(s.log, entries[i])], entries[i]), entries, i + 1)

ReceiveNewStateGuard(s, m) ==
    /\ s.status = "Normal" /\ ~IsPrimary(s) /\ m.view = s.view
    /\ m.op > s.opNumber /\ m.op = m.after + Len(m.log) /\ Fresh(s, m.replica, m.epoch, m.crashVector)
    /\ \/ m.after = s.opNumber
       \/ Carries(m.checkpoint, m.after) /\ m.after > s.commitNumber
ReceiveNewStateApply(s, m) ==
    LET s0 == Merge(s, m.crashVector)
        s1 == [AppendEntries(IF m.after # s0.opNumber THEN InstallCheckpoint(s0, m.checkpoint) ELSE s0, m.log, 1)
                  EXCEPT !.opNumber = m.op]
        c == CommitTo(s1, Min(m.commit, s1.opNumber), <<>>)
    IN Result(c.st, AckIfBehind(c))

ReceiveNewStateNewViewGuard(s, m) ==
    /\ s.status = "StateTransfer" /\ m.view > s.view /\ m.op = m.after + Len(m.log)
    /\ Follows(s, m.after, m.op, m.checkpoint)
    /\ PrimaryIn(s.members, m.view) # s.index /\ Fresh(s, m.replica, m.epoch, m.crashVector)
ReceiveNewStateNewViewApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
        oldCommit == s1.commitNumber
        s2 == AdoptSuffix([s1 EXCEPT !.view = m.view, !.status = "Normal", !.lastNormalView = m.view],
                          m.after, oldCommit, m.log, m.checkpoint)
        c == CommitTo(s2, Max(m.commit, oldCommit), <<>>)
    IN Result(c.st, AckIfBehind(c))

(***************************************************************************)
(* 6.3 Reads at the primary under leases (lease.go).                       *)
(***************************************************************************)
CanRead(s) == s.status = "Normal" /\ IsPrimary(s) /\ s.lease > 0 /\ s.commitNumber >= s.viewStart

\* The model's service echoes: a read's result is its operation.
ServeReadGuard(s, m) == m.read /\ m.reconfigure = {} /\ CanRead(s)
ServeReadApply(s, m) ==
    Result(s, <<ReplyTo(m.client, [epoch |-> s.epoch, view |-> s.view, request |-> m.request, client |-> m.client, result |-> m.op])>>)

RenewLeaseGuard(s, m) == Lease # 0 /\ s.status = "Normal" /\ IsPrimary(s)
RenewLeaseApply(s, m) ==
    LET s1 == [s EXCEPT !.leaseRound = s.leaseRound + 1, !.leaseAge = 0, !.leaseGrants = {}]
    IN Result(s1, Bcast(s1, [type |-> "RequestLease", epoch |-> s1.epoch, view |-> s1.view, round |-> s1.leaseRound,
                             crashVector |-> Vector(s1)]))

PromiseLeaseGuard(s, m) ==
    /\ Lease # 0 /\ s.status = "Normal" /\ ~IsPrimary(s) /\ m.view = s.view
    /\ Fresh(s, PrimaryIn(s.members, s.view), m.epoch, m.crashVector)
PromiseLeaseApply(s, m) ==
    LET s1 == [Merge(s, m.crashVector) EXCEPT !.promise = Max(@, Lease + LeaseMargin)]
    IN Result(s1, <<Send(PrimaryIn(s1.members, s1.view), [type |-> "GrantLease", epoch |-> s1.epoch, view |-> s1.view, round |-> m.round,
                                            replica |-> s1.index, crashVector |-> Vector(s1)])>>)

ExtendLeaseGuard(s, m) ==
    /\ Lease # 0 /\ s.status = "Normal" /\ IsPrimary(s) /\ m.view = s.view /\ s.leaseRound # 0
    /\ m.round = s.leaseRound /\ s.leaseAge < Lease /\ m.replica # s.index /\ Fresh(s, m.replica, m.epoch, m.crashVector)
ExtendLeaseApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
        s2 == [s1 EXCEPT !.leaseGrants = @ \cup {m.replica}]
    IN Result(IF Cardinality(s2.leaseGrants) >= FOf(s.members) THEN [s2 EXCEPT !.lease = Max(@, Lease - s2.leaseAge)] ELSE s2, <<>>)

CountDownLeaseGuard(s, m) == Lease # 0 /\ s.status # "Crashed"
CountDownLeaseApply(s, m) ==
    Result([s EXCEPT !.lease = Max(@, 1) - 1, !.promise = Max(@, 1) - 1,
                     !.leaseAge = IF s.leaseRound # 0 /\ @ < Lease THEN @ + 1 ELSE @], <<>>)

(***************************************************************************)
(* 7 Reconfiguration (reconfig.go).                                        *)
(***************************************************************************)
ReceiveStartEpochGuard(s, m) ==
    /\ s.status = "Standby" \/ Participates(s.status)
    /\ m.epoch > s.epoch /\ s.index \in m.new /\ m.op = m.after + Len(m.log) /\ m.start <= m.op
    /\ m.op >= s.commitNumber
    /\ Valid(m.replica) /\ Current(s, m.replica, m.crashVector) /\ Follows(s, m.after, m.op, m.checkpoint)
ReceiveStartEpochApply(s, m) ==
    LET s1 == Merge(s, m.crashVector)
        s2 == AdoptSuffix(s1, m.after, s1.commitNumber, m.log, m.checkpoint)
        s3 == DropLease([s2 EXCEPT !.epoch = m.epoch, !.oldMembers = m.old, !.members = m.new, !.epochStart = m.start,
                                   !.epochStarted = {}, !.view = 0, !.lastNormalView = 0, !.status = "Normal",
                                   !.prepareOKs = EmptyFn, !.startViewChanges = {}, !.sentDoViewChange = FALSE,
                                   !.doViewChanges = <<>>])
        c == CommitTo([s3 EXCEPT !.promise = 0], m.op, <<>>)
        s4 == [c.st EXCEPT !.viewStart = IF Lease # 0 THEN c.st.opNumber ELSE 0]
    IN Result(s4, c.out \o SendAll(s4.oldMembers \ {s4.index}, EpochStartedMsg(s4)))

RecordEpochStartedGuard(s, m) ==
    /\ s.status = "Leaving" \/ Participates(s.status)
    /\ s.index \in s.oldMembers /\ m.epoch = s.epoch /\ m.replica \in s.members /\ m.replica \notin s.epochStarted
    /\ Current(s, m.replica, m.crashVector)
RecordEpochStartedApply(s, m) ==
    LET s1 == Merge(s, m.crashVector) IN Result([s1 EXCEPT !.epochStarted = @ \cup {m.replica}], <<>>)

\* On a quorum of EpochStarted.
ShutDownGuard(s, m) == s.status = "Leaving" /\ Cardinality(s.epochStarted) >= FOf(s.members) + 1
ShutDownApply(s, m) == Result([s EXCEPT !.status = "Shutdown"], <<>>)

ResendStartEpochGuard(s, m) == s.status = "Leaving" /\ AwaitsStart(s) # {}
ResendStartEpochApply(s, m) == Result(s, ResendStartEpochOut(s))

(***************************************************************************)
(* Dispatch (generated/dispatch.go): the rules of each event in the order  *)
(* of the Go source, and the quorum rules evaluated after a rule consumed  *)
(* a message of that kind.                                                  *)
(***************************************************************************)
EventRules(type) ==
    CASE type = "Request" -> <<"ServeRead", "ResendReply", "ReceiveRequest">>
      [] type = "Prepare" -> <<"ReceivePrepare", "GetStateInView", "GetStateOnNewerPrepare">>
      [] type = "PrepareOK" -> <<"RecordPrepareOK">>
      [] type = "Commit" -> <<"ReceiveCommit", "AckCommit", "GetStateOnNewerCommit">>
      [] type = "StartViewChange" -> <<"JoinViewChange", "RecordStartViewChange">>
      [] type = "DoViewChange" -> <<"JoinViewChangeOnDoViewChange", "RecordDoViewChange">>
      [] type = "StartView" -> <<"ReceiveStartView", "FetchStartView">>
      [] type = "GetDoViewChange" -> <<"ResendDoViewChange">>
      [] type = "GetStartView" -> <<"SendStartView">>
      [] type = "GetState" -> <<"SendNewState">>
      [] type = "NewState" -> <<"ReceiveNewState", "ReceiveNewStateNewView">>
      [] type = "CrashVectorRequest" -> <<"SendCrashVector">>
      [] type = "CrashVectorResponse" -> <<"RecordCrashVector">>
      [] type = "Recovery" -> <<"SendRecoveryResponse">>
      [] type = "RecoveryResponse" -> <<"RecordRecoveryResponse">>
      [] type = "StartEpoch" -> <<"ReceiveStartEpoch">>
      [] type = "EpochStarted" -> <<"RecordEpochStarted">>
      [] type = "CommitTimeout" -> <<"SendCommit", "ResendStartEpoch">>
      [] type = "ViewChangeTimeout" -> <<"StartViewChangeOnTimeout">>
      [] type = "RecoveryTimeout" -> <<"RetryRecovery">>
      [] type = "LeaseTimeout" -> <<"RenewLease">>
      [] type = "Tick" -> <<"CountDownLease">>
      [] type = "RequestLease" -> <<"PromiseLease">>
      [] type = "GrantLease" -> <<"ExtendLease">>
      [] type = "Crash" -> <<"CrashReplica">>
      [] type = "Restart" -> <<"RestartReplica">>
      [] OTHER -> <<>>

QuorumRules(type) ==
    CASE type = "PrepareOK" -> <<"CommitOperations">>
      [] type = "StartViewChange" -> <<"SendDoViewChange">>
      [] type = "DoViewChange" -> <<"StartNewView", "FetchDoViewChange">>
      [] type = "CrashVectorResponse" -> <<"StartRecovery">>
      [] type = "RecoveryResponse" -> <<"FinishRecovery">>
      [] type = "EpochStarted" -> <<"ShutDown">>
      [] OTHER -> <<>>

Guard(rule, s, m) ==
    CASE rule = "ResendReply" -> ResendReplyGuard(s, m)
      [] rule = "ReceiveRequest" -> ReceiveRequestGuard(s, m)
      [] rule = "ReceivePrepare" -> ReceivePrepareGuard(s, m)
      [] rule = "RecordPrepareOK" -> RecordPrepareOKGuard(s, m)
      [] rule = "CommitOperations" -> CommitOperationsGuard(s, m)
      [] rule = "ReceiveCommit" -> ReceiveCommitGuard(s, m)
      [] rule = "AckCommit" -> AckCommitGuard(s, m)
      [] rule = "SendCommit" -> SendCommitGuard(s, m)
      [] rule = "CrashReplica" -> CrashReplicaGuard(s, m)
      [] rule = "RestartReplica" -> RestartReplicaGuard(s, m)
      [] rule = "RetryRecovery" -> RetryRecoveryGuard(s, m)
      [] rule = "SendCrashVector" -> SendCrashVectorGuard(s, m)
      [] rule = "RecordCrashVector" -> RecordCrashVectorGuard(s, m)
      [] rule = "StartRecovery" -> StartRecoveryGuard(s, m)
      [] rule = "SendRecoveryResponse" -> SendRecoveryResponseGuard(s, m)
      [] rule = "RecordRecoveryResponse" -> RecordRecoveryResponseGuard(s, m)
      [] rule = "FinishRecovery" -> FinishRecoveryGuard(s, m)
      [] rule = "GetStateInView" -> GetStateInViewGuard(s, m)
      [] rule = "GetStateOnNewerPrepare" -> GetStateOnNewerPrepareGuard(s, m)
      [] rule = "GetStateOnNewerCommit" -> GetStateOnNewerCommitGuard(s, m)
      [] rule = "SendNewState" -> SendNewStateGuard(s, m)
      [] rule = "ReceiveNewState" -> ReceiveNewStateGuard(s, m)
      [] rule = "ReceiveNewStateNewView" -> ReceiveNewStateNewViewGuard(s, m)
      [] rule = "StartViewChangeOnTimeout" -> StartViewChangeOnTimeoutGuard(s, m)
      [] rule = "JoinViewChange" -> JoinViewChangeGuard(s, m)
      [] rule = "RecordStartViewChange" -> RecordStartViewChangeGuard(s, m)
      [] rule = "SendDoViewChange" -> SendDoViewChangeGuard(s, m)
      [] rule = "JoinViewChangeOnDoViewChange" -> JoinViewChangeOnDoViewChangeGuard(s, m)
      [] rule = "RecordDoViewChange" -> RecordDoViewChangeGuard(s, m)
      [] rule = "StartNewView" -> StartNewViewGuard(s, m)
      [] rule = "ReceiveStartView" -> ReceiveStartViewGuard(s, m)
      [] rule = "FetchDoViewChange" -> FetchDoViewChangeGuard(s, m)
      [] rule = "ResendDoViewChange" -> ResendDoViewChangeGuard(s, m)
      [] rule = "FetchStartView" -> FetchStartViewGuard(s, m)
      [] rule = "SendStartView" -> SendStartViewGuard(s, m)
      [] rule = "ServeRead" -> ServeReadGuard(s, m)
      [] rule = "RenewLease" -> RenewLeaseGuard(s, m)
      [] rule = "PromiseLease" -> PromiseLeaseGuard(s, m)
      [] rule = "ExtendLease" -> ExtendLeaseGuard(s, m)
      [] rule = "CountDownLease" -> CountDownLeaseGuard(s, m)
      [] rule = "ReceiveStartEpoch" -> ReceiveStartEpochGuard(s, m)
      [] rule = "RecordEpochStarted" -> RecordEpochStartedGuard(s, m)
      [] rule = "ShutDown" -> ShutDownGuard(s, m)
      [] rule = "ResendStartEpoch" -> ResendStartEpochGuard(s, m)

Apply(rule, s, m) ==
    CASE rule = "ResendReply" -> ResendReplyApply(s, m)
      [] rule = "ReceiveRequest" -> ReceiveRequestApply(s, m)
      [] rule = "ReceivePrepare" -> ReceivePrepareApply(s, m)
      [] rule = "RecordPrepareOK" -> RecordPrepareOKApply(s, m)
      [] rule = "CommitOperations" -> CommitOperationsApply(s, m)
      [] rule = "ReceiveCommit" -> ReceiveCommitApply(s, m)
      [] rule = "AckCommit" -> AckCommitApply(s, m)
      [] rule = "SendCommit" -> SendCommitApply(s, m)
      [] rule = "CrashReplica" -> CrashReplicaApply(s, m)
      [] rule = "RestartReplica" -> RestartReplicaApply(s, m)
      [] rule = "RetryRecovery" -> RetryRecoveryApply(s, m)
      [] rule = "SendCrashVector" -> SendCrashVectorApply(s, m)
      [] rule = "RecordCrashVector" -> RecordCrashVectorApply(s, m)
      [] rule = "StartRecovery" -> StartRecoveryApply(s, m)
      [] rule = "SendRecoveryResponse" -> SendRecoveryResponseApply(s, m)
      [] rule = "RecordRecoveryResponse" -> RecordRecoveryResponseApply(s, m)
      [] rule = "FinishRecovery" -> FinishRecoveryApply(s, m)
      [] rule = "GetStateInView" -> GetStateInViewApply(s, m)
      [] rule = "GetStateOnNewerPrepare" -> GetStateOnNewerPrepareApply(s, m)
      [] rule = "GetStateOnNewerCommit" -> GetStateOnNewerCommitApply(s, m)
      [] rule = "SendNewState" -> SendNewStateApply(s, m)
      [] rule = "ReceiveNewState" -> ReceiveNewStateApply(s, m)
      [] rule = "ReceiveNewStateNewView" -> ReceiveNewStateNewViewApply(s, m)
      [] rule = "StartViewChangeOnTimeout" -> StartViewChangeOnTimeoutApply(s, m)
      [] rule = "JoinViewChange" -> JoinViewChangeApply(s, m)
      [] rule = "RecordStartViewChange" -> RecordStartViewChangeApply(s, m)
      [] rule = "SendDoViewChange" -> SendDoViewChangeApply(s, m)
      [] rule = "JoinViewChangeOnDoViewChange" -> JoinViewChangeOnDoViewChangeApply(s, m)
      [] rule = "RecordDoViewChange" -> RecordDoViewChangeApply(s, m)
      [] rule = "StartNewView" -> StartNewViewApply(s, m)
      [] rule = "ReceiveStartView" -> ReceiveStartViewApply(s, m)
      [] rule = "FetchDoViewChange" -> FetchDoViewChangeApply(s, m)
      [] rule = "ResendDoViewChange" -> ResendDoViewChangeApply(s, m)
      [] rule = "FetchStartView" -> FetchStartViewApply(s, m)
      [] rule = "SendStartView" -> SendStartViewApply(s, m)
      [] rule = "ServeRead" -> ServeReadApply(s, m)
      [] rule = "RenewLease" -> RenewLeaseApply(s, m)
      [] rule = "PromiseLease" -> PromiseLeaseApply(s, m)
      [] rule = "ExtendLease" -> ExtendLeaseApply(s, m)
      [] rule = "CountDownLease" -> CountDownLeaseApply(s, m)
      [] rule = "ReceiveStartEpoch" -> ReceiveStartEpochApply(s, m)
      [] rule = "RecordEpochStarted" -> RecordEpochStartedApply(s, m)
      [] rule = "ShutDown" -> ShutDownApply(s, m)
      [] rule = "ResendStartEpoch" -> ResendStartEpochApply(s, m)

RECURSIVE FirstEnabled(_, _, _)
FirstEnabled(rules, s, m) ==
    IF rules = <<>> THEN ""
    ELSE IF Guard(Head(rules), s, m) THEN Head(rules) ELSE FirstEnabled(Tail(rules), s, m)

\* One dispatch of event m at a replica in state s: the rule that consumed
\* it, the quorum rule after it ("" for none), the state after the first
\* rule alone (mid), the state after both (st), and the effects.
\* rule is the first enabled rule of the event, FirstEnabled(EventRules(m.type), s, m).
DispatchRule(s, m, rule) ==
    LET a == Apply(rule, s, m)
        q == FirstEnabled(QuorumRules(m.type), a.st, m)
    IN IF q = ""
       THEN [rule |-> rule, quorum |-> "", mid |-> a.st, st |-> a.st, out |-> a.out]
       ELSE LET b == Apply(q, a.st, m)
            IN [rule |-> rule, quorum |-> q, mid |-> a.st, st |-> b.st, out |-> a.out \o b.out]

Dispatch(s, m) ==
    LET rule == FirstEnabled(EventRules(m.type), s, m)
    IN IF rule = "" THEN [rule |-> "", quorum |-> ""] ELSE DispatchRule(s, m, rule)

LastRule(d) == IF d.quorum # "" THEN d.quorum ELSE d.rule

(***************************************************************************)
(* The environment (modelcheck/world.go).                                  *)
(***************************************************************************)
MessageTypes == {"Prepare", "PrepareOK", "Commit", "StartViewChange", "DoViewChange",
                 "StartView", "GetState", "NewState", "GetDoViewChange", "GetStartView",
                 "CrashVectorRequest", "CrashVectorResponse", "Recovery", "RecoveryResponse",
                 "RequestLease", "GrantLease", "StartEpoch", "EpochStarted"}

Down == {r \in Replicas : status[r] = "Crashed"}

RemoveCopy(n, k) ==
    IF n[k] > 1 THEN [n EXCEPT ![k] = n[k] - 1] ELSE [x \in DOMAIN n \ {k} |-> n[x]]

\* A message sent while an identical copy is in flight merges with it.
AddSent(n, r, out) ==
    LET Sent == {<<out[i].to, out[i].msg>> : i \in {i \in DOMAIN out : out[i].kind = "send"}}
                \cup {<<j, out[i].msg>> : i \in {i \in DOMAIN out : out[i].kind = "broadcast"},
                                           j \in Replicas \ {r}}
    IN [k \in DOMAIN n \cup Sent |-> IF k \in DOMAIN n THEN n[k] ELSE 1]

Replies(out) == {out[i].msg : i \in {i \in DOMAIN out : out[i].kind = "reply"}}

\* A waiting client sends its request again; one that is not waiting
\* submits a value not yet submitted as its next request.
ClientRequests(c) ==
    IF clients[c].waiting
    THEN {[type |-> "Request", op |-> clients[c].value, client |-> c, request |-> clients[c].request, read |-> FALSE,
           reconfigure |-> {}, epoch |-> 0]}
    ELSE {[type |-> "Request", op |-> v, client |-> c, request |-> clients[c].request + 1, read |-> FALSE,
           reconfigure |-> {}, epoch |-> 0] :
              v \in Values \ submitted}

IsNewRequest(m) == ~clients[m.client].waiting

\* The administrator's request, to any replica again and again until it
\* has the reply (modelcheck.Bounds.Reconfigure).
AdminRequest == [type |-> "Request", op |-> "", client |-> Admin, request |-> 1, read |-> FALSE,
                 reconfigure |-> Reconfigure, epoch |-> 0]

TimeoutFires(k) == k \in UnboundedTimeouts \/ timeoutsLeft[k] > 0

\* A replica's clock ticks while it is up, has ticked fewer than Ticks
\* times, and no more than Drift times more than the slowest replica up.
CanTick(r) ==
    /\ r \notin Down /\ clocks[r] < Ticks
    /\ \A s \in Replicas \ Down : clocks[r] <= clocks[s] + Drift

\* Whether the environment offers event m to replica r.
Offered(r, m) ==
    CASE m.type \in MessageTypes -> <<r, m>> \in DOMAIN net
      [] m.type = "Request" -> \/ m.client \in Clients /\ m \in ClientRequests(m.client)
                               \/ Reconfigure # {} /\ admin # "done" /\ m = AdminRequest
      [] m.type = "Tick" -> CanTick(r)
      [] m.type \in TimeoutKinds -> TimeoutFires(m.type)
      [] m.type = "Crash" -> r \notin Down /\ crashesLeft > 0 /\ Cardinality(Down) < MaxDown
      [] m.type = "Restart" -> r \in Down /\ m.nonce = restarts + 1
      [] OTHER -> FALSE

\* The step of replica r on event m whose dispatch was d.
StepWith(r, m, name, d) ==
    /\ LET clients1 == IF m.type = "Request" /\ m.client \in Clients /\ IsNewRequest(m)
                       THEN [clients EXCEPT ![m.client] = [request |-> m.request, value |-> m.op, waiting |-> TRUE]]
                       ELSE clients
           replies == Replies(d.out)
       IN /\ LastRule(d) = name
          /\ SetRep(r, d.st)
          /\ net' = AddSent(IF m.type \in MessageTypes THEN RemoveCopy(net, <<r, m>>) ELSE net, r, d.out)
          /\ clients' = [c \in Clients |->
                            IF clients1[c].waiting /\ \E p \in replies : p.client = c /\ p.request = clients1[c].request
                            THEN [clients1[c] EXCEPT !.waiting = FALSE] ELSE clients1[c]]
          /\ submitted' = IF m.type = "Request" /\ m.client \in Clients THEN submitted \cup {m.op} ELSE submitted
          /\ admin' = IF Reconfigure # {} /\ \E p \in replies : p.client = Admin /\ p.request = 1 THEN "done"
                      ELSE IF m.type = "Request" /\ m.client = Admin /\ admin = "idle" THEN "waiting"
                      ELSE admin
          \* A read's result, from a primary under a lease, acknowledges no
          \* write.
          /\ acked' = IF LastRule(d) = "ServeRead" THEN acked ELSE acked \cup replies
          /\ clocks' = IF m.type = "Tick" THEN [clocks EXCEPT ![r] = @ + 1] ELSE clocks
          /\ timeoutsLeft' = IF m.type \in TimeoutKinds \ {"Tick"} /\ m.type \notin UnboundedTimeouts
                             THEN [timeoutsLeft EXCEPT ![m.type] = timeoutsLeft[m.type] - 1]
                             ELSE timeoutsLeft
          /\ crashesLeft' = IF m.type = "Crash" THEN crashesLeft - 1 ELSE crashesLeft
          /\ restarts' = IF m.type = "Restart" THEN restarts + 1 ELSE restarts
          /\ UNCHANGED <<dropsLeft, dupsLeft>>

\* Replica r takes the step in which rule name is the last to fire on event m.
Step(r, m, name) ==
    /\ r \in Replicas
    /\ Offered(r, m)
    /\ LET s == Rep(r)
           rule == FirstEnabled(EventRules(m.type), s, m)
       IN /\ rule # ""
          \* Only the action that can be this step's applies the rules.
          /\ rule = name \/ \E i \in DOMAIN QuorumRules(m.type) : QuorumRules(m.type)[i] = name
          /\ StepWith(r, m, name, DispatchRule(s, m, rule))

(***************************************************************************)
(* The actions: one per Go rule, with its name.                            *)
(***************************************************************************)
ResendReply(r, m) == m.type = "Request" /\ Step(r, m, "ResendReply")
ReceiveRequest(r, m) == m.type = "Request" /\ Step(r, m, "ReceiveRequest")
ReceivePrepare(r, m) == m.type = "Prepare" /\ Step(r, m, "ReceivePrepare")
RecordPrepareOK(r, m) == m.type = "PrepareOK" /\ Step(r, m, "RecordPrepareOK")
CommitOperations(r, m) == m.type = "PrepareOK" /\ Step(r, m, "CommitOperations")
ReceiveCommit(r, m) == m.type = "Commit" /\ Step(r, m, "ReceiveCommit")
AckCommit(r, m) == m.type = "Commit" /\ Step(r, m, "AckCommit")
SendCommit(r, m) == m.type = "CommitTimeout" /\ Step(r, m, "SendCommit")
CrashReplica(r, m) == m.type = "Crash" /\ Step(r, m, "CrashReplica")
RestartReplica(r, m) == m.type = "Restart" /\ Step(r, m, "RestartReplica")
RetryRecovery(r, m) == m.type = "RecoveryTimeout" /\ Step(r, m, "RetryRecovery")
SendCrashVector(r, m) == m.type = "CrashVectorRequest" /\ Step(r, m, "SendCrashVector")
RecordCrashVector(r, m) == m.type = "CrashVectorResponse" /\ Step(r, m, "RecordCrashVector")
StartRecovery(r, m) == m.type = "CrashVectorResponse" /\ Step(r, m, "StartRecovery")
SendRecoveryResponse(r, m) == m.type = "Recovery" /\ Step(r, m, "SendRecoveryResponse")
RecordRecoveryResponse(r, m) == m.type = "RecoveryResponse" /\ Step(r, m, "RecordRecoveryResponse")
FinishRecovery(r, m) == m.type = "RecoveryResponse" /\ Step(r, m, "FinishRecovery")
GetStateInView(r, m) == m.type = "Prepare" /\ Step(r, m, "GetStateInView")
GetStateOnNewerPrepare(r, m) == m.type = "Prepare" /\ Step(r, m, "GetStateOnNewerPrepare")
GetStateOnNewerCommit(r, m) == m.type = "Commit" /\ Step(r, m, "GetStateOnNewerCommit")
SendNewState(r, m) == m.type = "GetState" /\ Step(r, m, "SendNewState")
ReceiveNewState(r, m) == m.type = "NewState" /\ Step(r, m, "ReceiveNewState")
ReceiveNewStateNewView(r, m) == m.type = "NewState" /\ Step(r, m, "ReceiveNewStateNewView")
StartViewChangeOnTimeout(r, m) == m.type = "ViewChangeTimeout" /\ Step(r, m, "StartViewChangeOnTimeout")
JoinViewChange(r, m) == m.type = "StartViewChange" /\ Step(r, m, "JoinViewChange")
RecordStartViewChange(r, m) == m.type = "StartViewChange" /\ Step(r, m, "RecordStartViewChange")
SendDoViewChange(r, m) == m.type = "StartViewChange" /\ Step(r, m, "SendDoViewChange")
JoinViewChangeOnDoViewChange(r, m) == m.type = "DoViewChange" /\ Step(r, m, "JoinViewChangeOnDoViewChange")
RecordDoViewChange(r, m) == m.type = "DoViewChange" /\ Step(r, m, "RecordDoViewChange")
StartNewView(r, m) == m.type = "DoViewChange" /\ Step(r, m, "StartNewView")
ReceiveStartView(r, m) == m.type = "StartView" /\ Step(r, m, "ReceiveStartView")
FetchDoViewChange(r, m) == m.type = "DoViewChange" /\ Step(r, m, "FetchDoViewChange")
ResendDoViewChange(r, m) == m.type = "GetDoViewChange" /\ Step(r, m, "ResendDoViewChange")
FetchStartView(r, m) == m.type = "StartView" /\ Step(r, m, "FetchStartView")
SendStartView(r, m) == m.type = "GetStartView" /\ Step(r, m, "SendStartView")
ServeRead(r, m) == m.type = "Request" /\ Step(r, m, "ServeRead")
RenewLease(r, m) == m.type = "LeaseTimeout" /\ Step(r, m, "RenewLease")
PromiseLease(r, m) == m.type = "RequestLease" /\ Step(r, m, "PromiseLease")
ExtendLease(r, m) == m.type = "GrantLease" /\ Step(r, m, "ExtendLease")
CountDownLease(r, m) == m.type = "Tick" /\ Step(r, m, "CountDownLease")
ReceiveStartEpoch(r, m) == m.type = "StartEpoch" /\ Step(r, m, "ReceiveStartEpoch")
RecordEpochStarted(r, m) == m.type = "EpochStarted" /\ Step(r, m, "RecordEpochStarted")
ShutDown(r, m) == m.type = "EpochStarted" /\ Step(r, m, "ShutDown")
ResendStartEpoch(r, m) == m.type = "CommitTimeout" /\ Step(r, m, "ResendStartEpoch")

\* The network's faults: not rules of the spec, but steps of a trace.
DropMessage(r, m) ==
    /\ dropsLeft > 0 /\ <<r, m>> \in DOMAIN net
    /\ net' = RemoveCopy(net, <<r, m>>)
    /\ dropsLeft' = dropsLeft - 1
    /\ UNCHANGED <<replicaVars, clients, submitted, acked, timeoutsLeft, dupsLeft, crashesLeft, restarts, clocks, admin>>

DuplicateMessage(r, m) ==
    /\ dupsLeft > 0 /\ <<r, m>> \in DOMAIN net
    /\ net' = [net EXCEPT ![<<r, m>>] = net[<<r, m>>] + 1]
    /\ dupsLeft' = dupsLeft - 1
    /\ UNCHANGED <<replicaVars, clients, submitted, acked, timeoutsLeft, dropsLeft, crashesLeft, restarts, clocks, admin>>

RuleStep(r, m) ==
    \/ ResendReply(r, m) \/ ReceiveRequest(r, m) \/ ReceivePrepare(r, m)
    \/ RecordPrepareOK(r, m) \/ CommitOperations(r, m) \/ ReceiveCommit(r, m)
    \/ AckCommit(r, m) \/ SendCommit(r, m) \/ CrashReplica(r, m) \/ RestartReplica(r, m)
    \/ RetryRecovery(r, m) \/ SendCrashVector(r, m) \/ RecordCrashVector(r, m)
    \/ StartRecovery(r, m) \/ SendRecoveryResponse(r, m) \/ RecordRecoveryResponse(r, m)
    \/ FinishRecovery(r, m) \/ GetStateInView(r, m) \/ GetStateOnNewerPrepare(r, m)
    \/ GetStateOnNewerCommit(r, m) \/ SendNewState(r, m) \/ ReceiveNewState(r, m)
    \/ ReceiveNewStateNewView(r, m) \/ StartViewChangeOnTimeout(r, m) \/ JoinViewChange(r, m)
    \/ RecordStartViewChange(r, m) \/ SendDoViewChange(r, m) \/ JoinViewChangeOnDoViewChange(r, m)
    \/ RecordDoViewChange(r, m) \/ StartNewView(r, m) \/ ReceiveStartView(r, m)
    \/ FetchDoViewChange(r, m) \/ ResendDoViewChange(r, m) \/ FetchStartView(r, m) \/ SendStartView(r, m)
    \/ ServeRead(r, m) \/ RenewLease(r, m) \/ PromiseLease(r, m) \/ ExtendLease(r, m) \/ CountDownLease(r, m)
    \/ ReceiveStartEpoch(r, m) \/ RecordEpochStarted(r, m) \/ ShutDown(r, m) \/ ResendStartEpoch(r, m)

Init ==
    /\ status = [r \in Replicas |-> NewReplica(r).status]
    /\ view = [r \in Replicas |-> 0]
    /\ lastNormalView = [r \in Replicas |-> 0]
    /\ opNumber = [r \in Replicas |-> 0]
    /\ commitNumber = [r \in Replicas |-> 0]
    /\ logStart = [r \in Replicas |-> 0]
    /\ log = [r \in Replicas |-> <<>>]
    /\ clientTable = [r \in Replicas |-> EmptyFn]
    /\ checkpoint = [r \in Replicas |-> NoCheckpoint]
    /\ prepareOKs = [r \in Replicas |-> EmptyFn]
    /\ startViewChanges = [r \in Replicas |-> {}]
    /\ sentDoViewChange = [r \in Replicas |-> FALSE]
    /\ doViewChanges = [r \in Replicas |-> <<>>]
    /\ nonce = [r \in Replicas |-> 0]
    /\ recoveryResponses = [r \in Replicas |-> <<>>]
    /\ crashVectorFrom = [r \in Replicas |-> {}]
    /\ crashVector = [r \in Replicas |-> NewReplica(r).crashVector]
    /\ viewStart = [r \in Replicas |-> 0]
    /\ lease = [r \in Replicas |-> 0]
    /\ leaseRound = [r \in Replicas |-> 0]
    /\ leaseAge = [r \in Replicas |-> 0]
    /\ leaseGrants = [r \in Replicas |-> {}]
    /\ promise = [r \in Replicas |-> 0]
    /\ epoch = [r \in Replicas |-> 0]
    /\ members = [r \in Replicas |-> Group0]
    /\ oldMembers = [r \in Replicas |-> {}]
    /\ epochStart = [r \in Replicas |-> 0]
    /\ epochStarted = [r \in Replicas |-> {}]
    /\ net = EmptyFn
    /\ clients = [c \in Clients |-> [request |-> 0, value |-> "", waiting |-> FALSE]]
    /\ submitted = {}
    /\ acked = {}
    /\ timeoutsLeft = [k \in TimeoutKinds |-> IF k \in UnboundedTimeouts THEN 0 ELSE TimeoutLimit[k]]
    /\ dropsLeft = Drops
    /\ dupsLeft = Duplicates
    /\ crashesLeft = Crashes
    /\ restarts = 0
    /\ clocks = [r \in Replicas |-> 0]
    /\ admin = "idle"

Next ==
    \/ \E k \in DOMAIN net : RuleStep(k[1], k[2])
    \/ \E r \in Replicas :
          \/ \E k \in TimeoutKinds : RuleStep(r, [type |-> k])
          \/ \E c \in Clients : \E m \in ClientRequests(c) : RuleStep(r, m)
          \/ Reconfigure # {} /\ admin # "done" /\ RuleStep(r, AdminRequest)
          \/ RuleStep(r, [type |-> "Crash"])
          \/ RuleStep(r, [type |-> "Restart", nonce |-> restarts + 1])
    \/ \E k \in DOMAIN net : DropMessage(k[1], k[2]) \/ DuplicateMessage(k[1], k[2])

Spec == Init /\ [][Next]_vars

\* A state constraint for TLC: the states at most MaxDepth steps from Init
\* (TLC's level of Init is 1), as `vsrgen check -depth` explores them.
WithinDepth == MaxDepth = 0 \/ TLCGet("level") <= MaxDepth + 1

(***************************************************************************)
(* Invariants (spec/invariants.go), with the same names.                   *)
(***************************************************************************)
\* The state of replica r as a record, for the invariants.
R(r) == Rep(r)

CommitNumberAtMostOpNumber ==
    \A r \in Replicas :
        /\ commitNumber[r] <= opNumber[r]
        /\ logStart[r] <= checkpoint[r].op /\ checkpoint[r].op <= commitNumber[r]
        /\ LogEnd(R(r)) = opNumber[r]

CommittedPrefixesAgree ==
    \A a, b \in Replicas :
        a < b => \A op \in Max(logStart[a], logStart[b]) + 1 ..
                          Min(Min(commitNumber[a], commitNumber[b]), Min(LogEnd(R(a)), LogEnd(R(b)))) :
                     Entry(R(a), op) = Entry(R(b), op)

\* Two client tables of executed requests hold the same requests.
SameRequests(x, y) ==
    DOMAIN x = DOMAIN y /\ \A c \in DOMAIN x : x[c].request = y[c].request /\ x[c].executed /\ y[c].executed

CheckpointsAgree ==
    \A a, b \in Replicas :
        LET x == checkpoint[a]
            y == checkpoint[b]
        IN (a # b /\ x.op # 0) =>
               /\ (y.op = x.op /\ a < b) =>
                      /\ x.state = y.state /\ SameRequests(x.clientTable, y.clientTable)
                      /\ \A c \in DOMAIN x.clientTable : x.clientTable[c].reply.result = y.clientTable[c].reply.result
               /\ (y.op < x.op /\ x.op <= Min(commitNumber[b], LogEnd(R(b)))) =>
                      SameRequests(x.clientTable, FoldExecuted(y.clientTable, R(b), y.op + 1, x.op))

NormalLogMatchesPrimary ==
    \A r \in Replicas :
        LET p == PrimaryIn(members[r], view[r])
        IN (status[r] = "Normal" /\ p # r /\ status[p] = "Normal" /\ epoch[p] = epoch[r] /\ view[p] = view[r]) =>
               /\ LogEnd(R(r)) <= LogEnd(R(p))
               /\ \A op \in Max(logStart[r], logStart[p]) + 1 .. LogEnd(R(r)) : Entry(R(r), op) = Entry(R(p), op)

ExecutedAtMostOnce ==
    \A r \in Replicas :
        LET s == R(r)
            k == Max(logStart[r], Min(commitNumber[r], LogEnd(s)))
            t == checkpoint[r].clientTable
        IN /\ \A a, b \in logStart[r] + 1 .. k :
                  a < b => ~(Entry(s, a).client = Entry(s, b).client /\ Entry(s, a).request = Entry(s, b).request)
           /\ \A op \in Max(logStart[r], checkpoint[r].op) + 1 .. k :
                  ~(Entry(s, op).client \in DOMAIN t /\ t[Entry(s, op).client].request >= Entry(s, op).request)

\* checkpointHas: the checkpoint records the request, or a later one of its
\* client, as executed.
CheckpointHas(c, cl, req) ==
    cl \in DOMAIN c.clientTable /\ c.clientTable[cl].executed /\ c.clientTable[cl].request >= req

\* later: epoch e and view v are those of epoch f and view w or later.
Later(e, v, f, w) == e > f \/ (e = f /\ v >= w)

AcknowledgedNotLost ==
    \A rep \in acked, p \in Replicas :
        (status[p] = "Normal" /\ PrimaryIn(members[p], view[p]) = p /\ Later(epoch[p], view[p], rep.epoch, rep.view)) =>
            \/ \E i \in 1 .. Len(log[p]) : log[p][i].client = rep.client /\ log[p][i].request = rep.request
            \/ CheckpointHas(checkpoint[p], rep.client, rep.request)

InEpoch(r) == status[r] \notin {"Crashed", "Recovering", "RecoveringVector", "Standby"}

\* At most one primary in normal status of an epoch and view, and the
\* replicas of an epoch agree on its group, the group before and its start.
OnePrimaryPerView ==
    \A a, b \in Replicas :
        (a < b /\ InEpoch(a) /\ InEpoch(b) /\ epoch[a] = epoch[b]) =>
            /\ ~(status[a] = "Normal" /\ status[b] = "Normal" /\ view[a] = view[b] /\ IsPrimary(R(a)) /\ IsPrimary(R(b)))
            /\ members[a] = members[b] /\ oldMembers[a] = oldMembers[b] /\ epochStart[a] = epochStart[b]

\* A primary that may answer reads under a lease has executed every
\* acknowledged request.
LeaseReadsCurrent ==
    \A rep \in acked, p \in Replicas :
        LET s == R(p)
            k == Max(logStart[p], Min(commitNumber[p], LogEnd(s)))
        IN CanRead(s) =>
               \/ \E op \in logStart[p] + 1 .. k : Entry(s, op).client = rep.client /\ Entry(s, op).request = rep.request
               \/ CheckpointHas(checkpoint[p], rep.client, rep.request)

(***************************************************************************)
(* Action properties: a replica that has not crashed never moves back.     *)
(***************************************************************************)
Exempt(r) ==
    LET down == {"Crashed", "Recovering", "RecoveringVector"}
    IN status[r] \in down \/ status'[r] \in down

ViewNeverDecreases == \A r \in Replicas : Exempt(r) \/ Later(epoch'[r], view'[r], epoch[r], view[r])
CommitNeverDecreases == \A r \in Replicas : Exempt(r) \/ commitNumber'[r] >= commitNumber[r]

AlwaysViewNeverDecreases == [][ViewNeverDecreases]_vars
AlwaysCommitNeverDecreases == [][CommitNeverDecreases]_vars
=============================================================================
