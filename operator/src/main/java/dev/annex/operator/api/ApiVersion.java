package dev.annex.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** One version of the group; each served one becomes an APIService {@code <name>.<group>}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ApiVersion {
  /** Kubernetes version names: v1, v2beta1, v1alpha3. */
  public static final String NAME_PATTERN = "^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$";

  @Required
  @Pattern(NAME_PATTERN)
  public String name;

  @Default("15")
  @Min(1)
  @Max(1000)
  public Integer versionPriority;

  @Default("true")
  public Boolean served;

  @Default("false")
  public Boolean storage;

  public ApiVersion() {
  }

  public ApiVersion(String name, int versionPriority, boolean served, boolean storage) {
    this.name = name;
    this.versionPriority = versionPriority;
    this.served = served;
    this.storage = storage;
  }

  @JsonIgnore
  public boolean isServedVersion() {
    return served == null || served;
  }

  @JsonIgnore
  public boolean isStorageVersion() {
    return storage != null && storage;
  }

  @JsonIgnore
  public int effectiveVersionPriority() {
    return versionPriority == null ? 15 : versionPriority;
  }
}
