package dev.annex.operator.dependents;

import dev.annex.operator.Labels;
import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.api.AggregatedApiSpec;
import dev.annex.operator.api.PodOverrides;
import dev.annex.operator.api.Storage;
import dev.annex.operator.certificates.CertificateBundle;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The runtime, started the way k8s.io/apiserver servers are ({@code --secure-port},
 * {@code --tls-cert-file}, ...). A checksum of the certificate and the definition on the pod template
 * rolls the pods when either changes; the runtime also reloads the mounted files itself.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY_ANNEX))
public class DeploymentDependent extends OwnedDependent<Deployment> {
  public static final String CHECKSUM_ANNOTATION = "annex.dev/checksum";
  public static final int SECURE_PORT = 8443;
  static final String TLS_DIR = "/etc/annex/tls";
  static final String API_DIR = "/etc/annex/api";
  static final String ETCD_DIR = "/etc/annex/etcd";
  /** A fixed non-root identity, so runAsNonRoot holds whatever user the image declares. */
  static final long RUNTIME_UID = 65532L;
  /** How long a runtime may take to start listening before the kubelet restarts it (kubeadm gives kube-apiserver 4 min). */
  public static final int STARTUP_BUDGET_SECONDS = 240;
  private static final int STARTUP_PERIOD_SECONDS = 5;
  /**
   * How long a stopping runtime keeps serving with /readyz failing. The aggregator sends requests to
   * the Service's ready endpoints, and a pod leaves them only when the endpoint-slice change reaches
   * its informer; closing the listener at SIGTERM answered 503 to requests in that gap during
   * rollouts. Well within the pod's 30 s grace period.
   */
  public static final String SHUTDOWN_DELAY = "5s";

  public DeploymentDependent() {
    super(Deployment.class);
  }

  @Override
  String name(ResourceNames names) {
    return names.apiserver();
  }

  @Override
  protected Deployment desired(AggregatedApi primary, Context<AggregatedApi> context) {
    ResourceNames names = ResourceNames.of(primary);
    AggregatedApiSpec spec = primary.getSpec();
    CertificateBundle certificates = Certificates.of(context);
    PodOverrides pod = spec.pod == null ? new PodOverrides() : spec.pod;

    List<String> args = new ArrayList<>(List.of(
        "--api-definition", API_DIR + "/" + ApiDefinitionDocument.KEY,
        "--secure-port", String.valueOf(SECURE_PORT),
        "--tls-cert-file", TLS_DIR + "/tls.crt",
        "--tls-private-key-file", TLS_DIR + "/tls.key",
        "--shutdown-delay-duration", SHUTDOWN_DELAY));
    List<Volume> volumes = new ArrayList<>(List.of(
        new VolumeBuilder().withName("tls").withNewSecret().withSecretName(names.servingSecret())
            .withDefaultMode(0440).endSecret().build(),
        new VolumeBuilder().withName("api-definition").withNewConfigMap()
            .withName(names.definitionConfigMap()).endConfigMap().build()));
    // The root filesystem is read-only; Netty unpacks BoringSSL's native library into /tmp, without
    // which the runtime falls back to the JDK's slower TLS.
    volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity("16Mi"))
        .endEmptyDir().build());
    List<VolumeMount> mounts = new ArrayList<>(List.of(
        mount("tls", TLS_DIR),
        mount("api-definition", API_DIR),
        new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build()));
    if (spec.storageType() == Storage.Type.Etcd) {
      Storage.Etcd etcd = spec.storage.etcd;
      // spec.storage.etcd.prefix is the root, as kube-apiserver's --etcd-prefix; the runtime's own
      // --etcd-prefix holds one group's objects, which kube-apiserver keeps at <root>/<group>
      String root = etcd.prefix == null ? "/registry" : etcd.prefix.replaceAll("/+$", "");
      args.addAll(List.of("--storage-backend", "etcd3", "--etcd-servers", String.join(",", etcd.servers),
          "--etcd-prefix", root + "/" + spec.group));
      if (etcd.tlsSecretName != null) {
        args.addAll(List.of("--etcd-cafile", ETCD_DIR + "/ca.crt", "--etcd-certfile", ETCD_DIR + "/tls.crt",
            "--etcd-keyfile", ETCD_DIR + "/tls.key"));
        volumes.add(new VolumeBuilder().withName("etcd-tls").withNewSecret().withSecretName(etcd.tlsSecretName)
            .withDefaultMode(0440).endSecret().build());
        mounts.add(mount("etcd-tls", ETCD_DIR));
      }
    }

    var container = new ContainerBuilder()
        .withName("apiserver")
        .withImage(RuntimeImage.resolve(spec))
        .withImagePullPolicy("IfNotPresent")
        .withArgs(args)
        .addNewPort().withName("https").withContainerPort(SECURE_PORT).withProtocol("TCP").endPort()
        .withStartupProbe(startupProbe())
        .withLivenessProbe(probe("/livez", 3))
        .withReadinessProbe(probe("/readyz", 1))
        .withResources(pod.resources != null ? pod.resources : defaultResources())
        .withVolumeMounts(mounts)
        .withNewSecurityContext()
          .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true).withRunAsNonRoot(true)
          .withNewCapabilities().withDrop("ALL").endCapabilities()
        .endSecurityContext()
        .build();

    var podSpec = new PodSpecBuilder()
        .withServiceAccountName(names.apiserver())
        .withContainers(container)
        .withVolumes(volumes)
        .withNodeSelector(pod.nodeSelector)
        .withTolerations(pod.tolerations)
        .withAffinity(pod.affinity != null ? pod.affinity : HighlyAvailable.holds(spec) ? spreadAcrossNodes(primary) : null)
        .withNewSecurityContext()
          .withRunAsNonRoot(true).withRunAsUser(RUNTIME_UID).withRunAsGroup(RUNTIME_UID).withFsGroup(RUNTIME_UID)
          .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .endSecurityContext()
        .build();

    return new DeploymentBuilder()
        .withNewMetadata()
          .withName(names.apiserver()).withNamespace(names.namespace()).withLabels(Labels.common(primary))
        .endMetadata()
        .withNewSpec()
          .withReplicas(spec.effectiveReplicas())
          .withStrategy(HighlyAvailable.holds(spec) ? rollWithoutLosingAReadyPod() : null)
          .withNewSelector().withMatchLabels(Labels.selector(primary)).endSelector()
          .withNewTemplate()
            .withNewMetadata()
              .withLabels(Labels.common(primary))
              .addToAnnotations(CHECKSUM_ANNOTATION, checksum(certificates, ApiDefinitionDocument.yaml(primary)))
            .endMetadata()
            .withSpec(podSpec)
          .endTemplate()
        .endSpec()
        .build();
  }

  /** Prefer one replica per node, so a node failure or drain takes one replica, not all. */
  private static Affinity spreadAcrossNodes(AggregatedApi primary) {
    return new AffinityBuilder()
        .withNewPodAntiAffinity()
          .addNewPreferredDuringSchedulingIgnoredDuringExecution()
            .withWeight(100)
            .withNewPodAffinityTerm()
              .withTopologyKey("kubernetes.io/hostname")
              .withNewLabelSelector().withMatchLabels(Labels.selector(primary)).endLabelSelector()
            .endPodAffinityTerm()
          .endPreferredDuringSchedulingIgnoredDuringExecution()
        .endPodAntiAffinity()
        .build();
  }

  /** A new pod is ready before an old one stops: with several replicas the API never dips during a rollout. */
  private static DeploymentStrategy rollWithoutLosingAReadyPod() {
    return new DeploymentStrategyBuilder()
        .withType("RollingUpdate")
        .withNewRollingUpdate().withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).endRollingUpdate()
        .build();
  }

  private static VolumeMount mount(String volume, String path) {
    return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(true).build();
  }

  /**
   * Liveness alone gives a starting pod 3 × 10 s to listen, and a JVM on a busy node (several pods
   * starting at once, 100m of CPU requested) can take longer: the kubelet then kills it over and
   * over. As kubeadm guards kube-apiserver, a startup probe allows {@link #STARTUP_BUDGET_SECONDS}
   * first; liveness and readiness start once it passes, so a quick start is not delayed.
   */
  private static Probe startupProbe() {
    return new ProbeBuilder()
        .withNewHttpGet().withPath("/livez").withPort(new IntOrString("https")).withScheme("HTTPS").endHttpGet()
        .withPeriodSeconds(STARTUP_PERIOD_SECONDS).withFailureThreshold(STARTUP_BUDGET_SECONDS / STARTUP_PERIOD_SECONDS)
        .withTimeoutSeconds(5)
        .build();
  }

  private static Probe probe(String path, int failureThreshold) {
    return new ProbeBuilder()
        .withNewHttpGet().withPath(path).withPort(new IntOrString("https")).withScheme("HTTPS").endHttpGet()
        .withPeriodSeconds(10).withFailureThreshold(failureThreshold).withTimeoutSeconds(5)
        .build();
  }

  private static ResourceRequirements defaultResources() {
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity("100m"))
        .addToRequests("memory", new Quantity("256Mi"))
        .addToLimits("memory", new Quantity("512Mi"))
        .build();
  }

  static String checksum(CertificateBundle certificates, String definition) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (String part : List.of(certificates.certificatePem(), certificates.caCertificatePem(), definition)) {
        digest.update(part.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
