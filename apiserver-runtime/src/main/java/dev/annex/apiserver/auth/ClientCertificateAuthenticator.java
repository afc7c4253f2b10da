package dev.annex.apiserver.auth;

import dev.annex.apiserver.filters.Authenticator;
import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.UserInfo;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The user of a client certificate that chains to the client CA ({@code --client-ca-file} or the
 * ConfigMap's {@code client-ca-file}), as kube-apiserver's x509 authenticator reads it: name from
 * the subject's CN, groups from its O values. The CA is asked for on every request, so a rotated
 * CA applies at once; a certificate that does not verify is refused (401), not ignored.
 */
public final class ClientCertificateAuthenticator implements Authenticator {

  private final Supplier<CaBundle> clientCa;

  public ClientCertificateAuthenticator(Supplier<CaBundle> clientCa) {
    this.clientCa = clientCa;
  }

  @Override
  public Optional<UserInfo> authenticate(ApiRequest request) {
    List<X509Certificate> chain = request.peerCertificates();
    CaBundle ca = clientCa.get();
    if (chain.isEmpty() || ca.isEmpty()) {
      return Optional.empty();
    }
    try {
      ca.verifyClient(chain);
    } catch (CertificateException e) {
      throw new AuthenticationException(e.getMessage(), e);
    }
    Subject subject = Subject.of(chain.get(0));
    if (subject.commonName().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new UserInfo(subject.commonName(), subject.organizations()));
  }

  /** The CN and O values of a certificate's subject. */
  record Subject(String commonName, List<String> organizations) {
    static Subject of(X509Certificate certificate) {
      String cn = "";
      List<String> organizations = new ArrayList<>();
      try {
        List<Rdn> rdns = new ArrayList<>(new LdapName(certificate.getSubjectX500Principal().getName()).getRdns());
        for (Rdn rdn : rdns) {
          if (rdn.getType().equalsIgnoreCase("CN")) {
            cn = rdn.getValue().toString();
          } else if (rdn.getType().equalsIgnoreCase("O")) {
            organizations.add(rdn.getValue().toString());
          }
        }
      } catch (InvalidNameException e) {
        return new Subject("", List.of());
      }
      return new Subject(cn, organizations);
    }
  }
}
