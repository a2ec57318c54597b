package org.earshot.deploy;

import java.util.ArrayList;
import java.util.List;

/**
 * Mosquitto's {@code acl_file} as far as deploy/mosquitto/acl uses it: {@code user NAME} starts a user's section,
 * {@code topic [read|write|readwrite|deny] FILTER} lines apply to the section's user (before any {@code user} line,
 * to anonymous clients), {@code pattern ...} lines apply to every user with {@code %u} (user name) and {@code %c}
 * (client id) replaced. Access is granted when a rule of the right kind covers the topic and no deny rule does.
 */
final class MosquittoAcl {
    private record Rule(String user, boolean pattern, String access, String filter) {}

    private final List<Rule> rules = new ArrayList<>();

    MosquittoAcl(List<String> lines) {
        String user = null;
        for (String line : lines) {
            String[] parts = line.split("\\s+");
            switch (parts[0]) {
                case "user" -> user = parts[1];
                case "topic", "pattern" -> {
                    String access = parts.length == 3 ? parts[1] : "readwrite";
                    String filter = parts[parts.length - 1];
                    if (!List.of("read", "write", "readwrite", "deny").contains(access)) {
                        throw new AssertionError("ACL line '" + line + "': unknown access " + access);
                    }
                    rules.add(new Rule(parts[0].equals("pattern") ? null : user, parts[0].equals("pattern"), access,
                            filter));
                }
                default -> throw new AssertionError("ACL line '" + line + "' is not user, topic or pattern");
            }
        }
    }

    /** Whether {@code user} may subscribe to (and be sent messages of) every topic matching {@code filter}. */
    boolean mayRead(String user, String filter) {
        return allowed(user, filter, "read");
    }

    /** Whether {@code user} may publish to {@code topic}. */
    boolean mayWrite(String user, String topic) {
        return allowed(user, topic, "write");
    }

    private boolean allowed(String user, String topicOrFilter, String access) {
        boolean granted = false;
        for (Rule rule : rules) {
            if (!rule.pattern() && !user.equals(rule.user())) {
                continue;
            }
            String filter = rule.pattern() ? rule.filter().replace("%u", user).replace("%c", user) : rule.filter();
            if (!covers(filter, topicOrFilter)) {
                continue;
            }
            if (rule.access().equals("deny")) {
                return false;
            }
            granted |= rule.access().equals(access) || rule.access().equals("readwrite");
        }
        return granted;
    }

    /** Whether ACL filter {@code acl} matches every topic that {@code filter} (a topic or a filter) matches. */
    static boolean covers(String acl, String filter) {
        String[] a = acl.split("/", -1);
        String[] f = filter.split("/", -1);
        for (int i = 0; i < a.length; i++) {
            if (a[i].equals("#")) {
                return true;
            }
            if (i >= f.length || f[i].equals("#")) {
                return false;
            }
            if (!a[i].equals("+") && !a[i].equals(f[i])) {
                return false;
            }
        }
        return a.length == f.length;
    }
}
