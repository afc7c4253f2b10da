package dev.annex.apiserver;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class MainTest {

  @Test
  void onTwoCpusOrFewerAsyncStagesGetAPoolUnlessTheUserChoseOne() {
    Properties oneCpu = new Properties();
    Main.poolAsyncStages(oneCpu, 1);
    assertEquals("2", oneCpu.getProperty(Main.COMMON_POOL_PARALLELISM));

    Properties twoCpus = new Properties();
    Main.poolAsyncStages(twoCpus, 2);
    assertEquals("2", twoCpus.getProperty(Main.COMMON_POOL_PARALLELISM));

    Properties chosen = new Properties();
    chosen.setProperty(Main.COMMON_POOL_PARALLELISM, "1");
    Main.poolAsyncStages(chosen, 1);
    assertEquals("1", chosen.getProperty(Main.COMMON_POOL_PARALLELISM));

    Properties fourCpus = new Properties();
    Main.poolAsyncStages(fourCpus, 4);
    assertNull(fourCpus.getProperty(Main.COMMON_POOL_PARALLELISM), "the JDK's default (cpus - 1) is already a pool");
  }
}
