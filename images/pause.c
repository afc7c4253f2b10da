/*
 * The pod sandbox's first process for the test node: it holds the pod's namespaces, reaps
 * orphaned children and exits on SIGTERM or SIGINT. No registry is reachable here, so the node's
 * sandbox image is built from this file (see build-pause.sh).
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) {
  (void)sig;
  _exit(0);
}

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, 0, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction term = {.sa_handler = stop};
  struct sigaction child = {.sa_handler = reap, .sa_flags = SA_NOCLDSTOP};
  sigaction(SIGINT, &term, 0);
  sigaction(SIGTERM, &term, 0);
  sigaction(SIGCHLD, &child, 0);
  for (;;) {
    pause();
  }
}
