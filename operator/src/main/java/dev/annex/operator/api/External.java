package dev.annex.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** A runtime that runs outside the cluster, reached through an ExternalName Service. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class External {
  @Required
  public String host;

  @Default("443")
  @Min(1)
  @Max(65535)
  public Integer port;

  @JsonIgnore
  public int effectivePort() {
    return port == null ? 443 : port;
  }

  @JsonIgnore
  public boolean isLoopback() {
    return "localhost".equals(host) || "127.0.0.1".equals(host);
  }
}
