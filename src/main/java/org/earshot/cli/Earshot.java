package org.earshot.cli;

public final class Earshot {
    public static void main(String[] args) {
        System.out.println("hi");
    }
}
