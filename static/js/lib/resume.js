// Resuming a room's timeline from the seqs already seen (docs/protocol.md, "A client that
// loses nothing"): one cursor per room a page shows. It joins the room (again after each
// reconnect) from the highest seq seen, says which frames are new (every seq once, whether it
// came live, replayed or over HTTP), and rejoins when a pong's heads show a trailing gap.
//
//   const cursor = createCursor(socket, room, { from });
//     from: the seq to join after while nothing is seen yet (null: the server's last 50).
//   cursor.join()          on each open socket
//   cursor.take(frame)     true if its seq is new (and remembered), false for a repeat
//   cursor.joined(frame)   on the `joined` answer; cursor.pong(frame) on each pong;
//   cursor.closed()        when the socket closes
//   cursor.head (highest seq seen or announced), cursor.isJoined (joined once at least)

export function createCursor(socket, room, { from = null } = {}) {
  const seen = new Set();
  let head = 0;
  let joinedOnce = false;
  let pending = false; // a join sent and not answered yet
  let refs = 0;
  let after = from;

  return {
    room,
    get head() { return head; },
    get isJoined() { return joinedOnce; },
    join() {
      const frame = { type: "join", room, ref: ++refs };
      if (seen.size) frame.after = head;
      else if (after !== null) frame.after = after;
      pending = socket.send(frame);
    },
    take(frame) {
      if (seen.has(frame.seq)) return false;
      seen.add(frame.seq);
      head = Math.max(head, frame.seq);
      return true;
    },
    joined(frame) {
      joinedOnce = true;
      pending = false;
      after = null;
      head = Math.max(head, frame.head);
    },
    pong(frame) {
      const announced = frame.heads && frame.heads[String(room)];
      if (joinedOnce && !pending && announced && announced > head) this.join();
    },
    closed() {
      pending = false;
    },
  };
}
