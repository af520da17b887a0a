package org.smyrf4j.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar's manifest (set by the build), or a note when run from classes. */
final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {"smyrf4j " + (version == null ? "(development build)" : version)};
    }
}
