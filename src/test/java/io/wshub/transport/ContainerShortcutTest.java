package io.wshub.transport;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A shortcut through the container: counted while it works, off for good after its first failure, logged once. */
class ContainerShortcutTest {

    private final List<LogRecord> logged = new ArrayList<>();
    private final Logger log = Logger.getAnonymousLogger();

    ContainerShortcutTest() {
        log.setUseParentHandlers(false);
        log.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    @Test
    void itCountsSessionsUntilItFailsThenStaysOffAndLogsOnce() {
        boolean[] on = {true};
        ContainerShortcut shortcut = new ContainerShortcut(log, "wshub.x", "X cannot be used", "used by", () -> on[0]);
        assertEquals("waiting for the first session", shortcut.status());
        assertTrue(shortcut.usable());
        shortcut.used();
        shortcut.used();
        assertEquals("used by 2 sessions", shortcut.status());
        shortcut.failed(new NoSuchFieldException("Session.gone"));
        shortcut.failed(new IllegalStateException("again"));
        assertFalse(shortcut.usable());
        assertEquals("failed: NoSuchFieldException: Session.gone", shortcut.status());
        assertEquals(1, logged.size(), "the first failure only");
        assertEquals(Level.SEVERE, logged.get(0).getLevel());
        assertTrue(logged.get(0).getMessage().startsWith("X cannot be used. Set wshub.x=false to silence this."),
                logged.get(0).getMessage());
        on[0] = false;
        assertEquals("disabled", shortcut.status());
    }

    @Test
    void lookupsFindInheritedFieldsAndMethodsAndRefuseWhatIsNotATyrusSession() throws Exception {
        class Base {
            private final String hidden = "found";

            private String hiddenMethod() {
                return "called";
            }
        }
        class Derived extends Base {
        }
        assertEquals("found", ContainerShortcut.field(Derived.class, "hidden").get(new Derived()));
        assertThrows(NoSuchFieldException.class, () -> ContainerShortcut.field(Derived.class, "absent"));
        assertEquals("called", ContainerShortcut.method(Derived.class, "hiddenMethod").invoke(new Derived()));
        assertThrows(NoSuchMethodException.class, () -> ContainerShortcut.method(Derived.class, "absent"));
        assertThrows(NoSuchFieldException.class, () -> ContainerShortcut.tyrusSession(new Object()));
    }
}
