package dev.annex.apiserver.storage.cacher;

import dev.annex.apiserver.storage.Storage;
import dev.annex.apiserver.storage.StorageContractTest;
import dev.annex.apiserver.storage.memory.MemoryStorage;

/** The storage contract, run against the watch cache in front of the memory backend. */
class CacherOnMemoryTest extends StorageContractTest {

  @Override
  protected Storage newStorage(int historySize) {
    return new Cacher(new MemoryStorage(historySize), historySize);
  }
}
