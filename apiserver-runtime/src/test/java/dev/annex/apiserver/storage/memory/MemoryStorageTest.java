package dev.annex.apiserver.storage.memory;

import dev.annex.apiserver.storage.Storage;
import dev.annex.apiserver.storage.StorageContractTest;

/** The storage contract, run against the in-memory backend. */
class MemoryStorageTest extends StorageContractTest {

  @Override
  protected Storage newStorage(int historySize) {
    return new MemoryStorage(historySize);
  }
}
