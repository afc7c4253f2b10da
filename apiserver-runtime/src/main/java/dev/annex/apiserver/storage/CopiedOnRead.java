package dev.annex.apiserver.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.AbstractList;
import java.util.List;

/**
 * The stored objects of a list, each copied when first read (objects handed out are the caller's):
 * a list sent from {@link ListResult#encoded()} never reads them. The stored objects are replaced
 * on every write, never changed, so copying after the store's lock is released is safe.
 */
public final class CopiedOnRead extends AbstractList<ObjectNode> {
  private final List<ObjectNode> stored;
  private final ObjectNode[] copies;

  public CopiedOnRead(List<ObjectNode> stored) {
    this.stored = stored;
    this.copies = new ObjectNode[stored.size()];
  }

  @Override
  public ObjectNode get(int index) {
    ObjectNode copy = copies[index];
    if (copy == null) {
      copy = stored.get(index).deepCopy();
      copies[index] = copy;
    }
    return copy;
  }

  @Override
  public int size() {
    return copies.length;
  }
}
