package org.smyrf4j.cuda;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository for tests: under {@code -Dsmyrf4j.repo} (set by surefire), else the working directory. */
final class RepoFiles {

    private RepoFiles() {
    }

    static Path repo() {
        String repo = System.getProperty("smyrf4j.repo");
        return repo == null || repo.isBlank() ? Path.of("").toAbsolutePath() : Path.of(repo);
    }

    static Path resolve(String relative) {
        return repo().resolve(relative);
    }

    static boolean exists(String relative) {
        return Files.exists(resolve(relative));
    }
}
