package dev.annex.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.List;

/** Where the runtime keeps objects: in memory (one replica) or in etcd. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.type != 'Etcd' || (has(self.etcd) && size(self.etcd.servers) > 0)",
    message = "storage.type Etcd needs etcd.servers", reason = "FieldValueRequired")
public class Storage {
  @Default("Memory")
  public Type type;

  public Etcd etcd;

  public enum Type { Memory, Etcd }

  /** Connection to etcd, with the runtime's k8s.io/apiserver flag names in mind. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Etcd {
    @Required
    public List<String> servers;
    @Default("/registry")
    public String prefix;
    /** A Secret with ca.crt, tls.crt and tls.key for the etcd client, in the same namespace. */
    public String tlsSecretName;
  }
}
