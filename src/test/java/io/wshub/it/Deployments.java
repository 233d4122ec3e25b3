package io.wshub.it;

import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.importer.ExplodedImporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

import java.io.File;
import java.net.URI;
import java.net.URL;

/** Builds test WARs from the real compiled application plus test-only beans and a test configuration. */
final class Deployments {

    private Deployments() {
    }

    /**
     * The application as `mvn package` builds it (target/classes and the webapp folder), with {@code config} appended
     * to its {@code microprofile-config.properties} (a later line wins) and the given extra classes added.
     */
    static WebArchive hub(String name, String config, Class<?>... extra) {
        WebArchive war = ShrinkWrap.create(WebArchive.class, name + ".war");
        war.as(ExplodedImporter.class).importDirectory(new File("src/main/webapp"));
        WebArchive classes = ShrinkWrap.create(WebArchive.class)
                .as(ExplodedImporter.class).importDirectory(new File("target/classes")).as(WebArchive.class);
        classes.delete("/META-INF/microprofile-config.properties");
        war.merge(classes, "/WEB-INF/classes");
        war.addAsResource(new StringAsset(mainConfig() + "\n" + config), "META-INF/microprofile-config.properties");
        war.addClasses(extra);
        return war;
    }

    /**
     * Arquillian reports the server under the machine's network address; tests talk to it over loopback only (the
     * server listens on every interface), which is also much faster here.
     */
    static URI onLoopback(URL deployedAt) {
        return URI.create("http://127.0.0.1:" + deployedAt.getPort() + deployedAt.getPath());
    }

    private static String mainConfig() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of(
                    "src/main/resources/META-INF/microprofile-config.properties"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
