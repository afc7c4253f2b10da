package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.UserInfo;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The user of a client certificate, as kube-apiserver's x509 authenticator reads it: name from the
 * subject's CN, groups from its O values. The TLS handshake already verified the chain against
 * {@code --client-ca-file}; a certificate that did not verify never reaches this class.
 */
public final class ClientCertificateAuthenticator implements Authenticator {

  @Override
  public Optional<UserInfo> authenticate(ApiRequest request) {
    if (request.peerCertificates().isEmpty()) {
      return Optional.empty();
    }
    X509Certificate leaf = request.peerCertificates().get(0);
    String cn = null;
    List<String> groups = new ArrayList<>();
    try {
      for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          cn = rdn.getValue().toString();
        } else if (rdn.getType().equalsIgnoreCase("O")) {
          groups.add(rdn.getValue().toString());
        }
      }
    } catch (InvalidNameException e) {
      return Optional.empty();
    }
    if (cn == null || cn.isEmpty()) {
      return Optional.empty();
    }
    groups.add("system:authenticated");
    return Optional.of(new UserInfo(cn, groups));
  }
}
