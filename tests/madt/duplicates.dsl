/*
 * MADT for the decoder's test against iasl (tests/madt/run_tests.py): a
 * table that lists local x2APIC entries first, one CPU twice (a local APIC
 * and a local x2APIC entry with the same id: the decoder passes both on,
 * kernel/smp.c keeps one), local x2APIC entries with ids below 255 (ACPI
 * 6.5 5.2.12.12 asks for type 0 entries there, a decoder takes either), a
 * disabled x2APIC entry, two I/O APICs, no legacy PICs and no
 * address override. `iasl -p duplicates duplicates.dsl` writes
 * duplicates.aml; duplicates.expected is what the decoder must print.
 */
[0004]                          Signature : "APIC"
[0004]                       Table Length : 00000098
[0001]                           Revision : 05
[0001]                           Checksum : 00
[0006]                             Oem ID : "VTDB  "
[0008]                       Oem Table ID : "DUPS    "
[0004]                       Oem Revision : 00000001
[0004]                    Asl Compiler ID : "INTL"
[0004]              Asl Compiler Revision : 00000000

[0004]                 Local Apic Address : FEE00000
[0004]              Flags (decoded below) : 00000000
                      PC-AT Compatibility : 0

/* offset 44: enabled, listed */
[0001]                      Subtable Type : 09
[0001]                             Length : 10
[0002]                           Reserved : 0000
[0004]                Processor x2Apic ID : 00000000
[0004]              Flags (decoded below) : 00000001
                        Processor Enabled : 1
[0004]                      Processor UID : 00000000

/* offset 60: enabled, listed */
[0001]                      Subtable Type : 09
[0001]                             Length : 10
[0002]                           Reserved : 0000
[0004]                Processor x2Apic ID : 000001FF
[0004]              Flags (decoded below) : 00000001
                        Processor Enabled : 1
[0004]                      Processor UID : 00000001

/* offset 76: APIC id 3 as a local APIC, enabled, listed */
[0001]                      Subtable Type : 00
[0001]                             Length : 08
[0001]                       Processor ID : 02
[0001]                      Local Apic ID : 03
[0004]              Flags (decoded below) : 00000001
                        Processor Enabled : 1
                   Runtime Online Capable : 0

/* offset 84: the same CPU as a local x2APIC, listed again */
[0001]                      Subtable Type : 09
[0001]                             Length : 10
[0002]                           Reserved : 0000
[0004]                Processor x2Apic ID : 00000003
[0004]              Flags (decoded below) : 00000001
                        Processor Enabled : 1
[0004]                      Processor UID : 00000002

/* offset 100: disabled, not listed */
[0001]                      Subtable Type : 09
[0001]                             Length : 10
[0002]                           Reserved : 0000
[0004]                Processor x2Apic ID : 00000400
[0004]              Flags (decoded below) : 00000000
                        Processor Enabled : 0
[0004]                      Processor UID : 00000003

/* offset 116 */
[0001]                      Subtable Type : 01
[0001]                             Length : 0C
[0001]                        I/O Apic ID : 00
[0001]                           Reserved : 00
[0004]                            Address : FEC00000
[0004]                          Interrupt : 00000000

/* offset 128 */
[0001]                      Subtable Type : 01
[0001]                             Length : 0C
[0001]                        I/O Apic ID : 01
[0001]                           Reserved : 00
[0004]                            Address : FEC01000
[0004]                          Interrupt : 00000018

/* offset 140: a Local x2APIC NMI, stepped over; the table ends at 152 */
[0001]                      Subtable Type : 0A
[0001]                             Length : 0C
[0002]              Flags (decoded below) : 0005
                                 Polarity : 1
                             Trigger Mode : 1
[0004]                      Processor UID : FFFFFFFF
[0001]               Interrupt Input LINT : 01
[0003]                           Reserved : 000000
