package dev.annex.apiserver.server;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The storage flags, named and defaulted as kube-apiserver's. */
class StorageFlagsTest {

  @Test
  void memoryIsTheDefaultAndEtcdTakesKubeApiserversFlags() {
    assertThat(ServerOptions.parse("--api-definition=x").storage().etcd()).isFalse();
    StorageFlags etcd = ServerOptions.parse("--api-definition=x", "--storage-backend=etcd3",
        "--etcd-servers=https://e0:2379, https://e1:2379", "--etcd-cafile=/ca.crt", "--etcd-certfile=/c.crt",
        "--etcd-keyfile=/c.key", "--etcd-compaction-interval=1m30s").storage();
    assertThat(etcd.etcd()).isTrue();
    assertThat(etcd.etcdServers()).containsExactly("https://e0:2379", "https://e1:2379");
    assertThat(etcd.etcdConfig("wardle.example.com").prefix()).as("kube-apiserver's /registry plus the group")
        .isEqualTo("/registry/wardle.example.com");
    assertThat(etcd.etcdConfig("g").caFile()).isEqualTo(Path.of("/ca.crt"));
    assertThat(etcd.compactionInterval()).isEqualTo(Duration.ofSeconds(90));
    assertThat(ServerOptions.parse("--api-definition=x", "--storage-backend=etcd3", "--etcd-servers=http://e:2379",
        "--etcd-prefix=/custom").storage().etcdConfig("g").prefix()).isEqualTo("/custom");
    assertThat(ServerOptions.parse("--api-definition=x").storage().compactionInterval()).isEqualTo(Duration.ofMinutes(5));
    for (String flag : List.of("--storage-backend", "--etcd-servers", "--etcd-prefix", "--etcd-cafile", "--etcd-certfile",
        "--etcd-keyfile", "--etcd-compaction-interval")) {
      assertThat(ServerOptions.usage()).contains(flag);
    }
  }

  @Test
  void badStorageFlagsAreRefused() {
    assertThatThrownBy(() -> ServerOptions.parse("--api-definition=x", "--storage-backend=etcd2"))
        .hasMessageContaining("unsupported backend \"etcd2\"");
    assertThatThrownBy(() -> ServerOptions.parse("--api-definition=x", "--storage-backend=etcd3"))
        .hasMessage("--etcd-servers must be specified with --storage-backend=etcd3");
    assertThatThrownBy(() -> ServerOptions.parse("--api-definition=x", "--storage-backend=etcd3",
        "--etcd-servers=http://e:2379", "--etcd-certfile=/c.crt")).hasMessageContaining("given together");
    assertThatThrownBy(() -> ServerOptions.parse("--api-definition=x", "--etcd-compaction-interval=5 minutes"))
        .hasMessageContaining("invalid duration");
    assertThat(ServerOptions.parse("--api-definition=x", "--etcd-compaction-interval=0").storage().compactionInterval())
        .isZero();
  }
}
