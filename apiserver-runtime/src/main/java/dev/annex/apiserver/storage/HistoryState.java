package dev.annex.apiserver.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One state of an object in a store's window of changes: the stored tree while it is the object's
 * current state, then its JSON. A window of 10,000 changes as trees kept ~10 replaced states of each
 * object alive, each some hundred small objects the young collections copied and promoted (G1
 * pauses of 20-50 ms under a stream of updates); as bytes they are one array each, decoded only when
 * a watch or an exact-version list reads them. Not thread-safe: the store's lock guards it.
 */
public final class HistoryState {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ObjectNode tree;
  private byte[] json;

  public HistoryState(ObjectNode tree) {
    this.tree = tree;
  }

  /** The state to read (a filter), never to change. */
  public ObjectNode view() {
    return tree != null ? tree : decode(json);
  }

  /** The state as an object of the caller's own. */
  public ObjectNode copy() {
    return tree != null ? tree.deepCopy() : decode(json);
  }

  /** The object has changed again: from now on this state is only history. */
  public void compact() {
    if (tree != null) {
      try {
        json = JSON.writeValueAsBytes(tree);
      } catch (IOException e) {
        throw new UncheckedIOException("a JSON tree always serialises", e);
      }
      tree = null;
    }
  }

  private static ObjectNode decode(byte[] json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("the store encoded this state itself", e);
    }
  }
}
