/*
 * MADT for the decoder's test against iasl (tests/madt/run_tests.py):
 * local APIC entries enabled, disabled and online-capable, local x2APIC
 * entries with ids above 255 likewise, an I/O APIC, entry types the
 * decoder steps over, and a 64-bit local APIC address override.
 * `iasl -p mixed mixed.dsl` writes mixed.aml; mixed.expected is what the
 * decoder must print for it. iasl recomputes the length and checksum, but
 * the lengths below are the real ones all the same.
 *
 * iasl 20200925 builds each Flags field from the bit lines under it and
 * knows only Processor Enabled in a local x2APIC entry, so it cannot write
 * that entry's Online Capable bit (ACPI 6.5 5.2.12.2, used by 5.2.12.12).
 * The test sets it in the compiled table and fixes the checksum, as this
 * line says (offset in decimal = byte in hex):
 * after-iasl: 120=02
 */
[0004]                          Signature : "APIC"
[0004]                       Table Length : 000000AC
[0001]                           Revision : 05
[0001]                           Checksum : 00
[0006]                             Oem ID : "VTDB  "
[0008]                       Oem Table ID : "MIXED   "
[0004]                       Oem Revision : 00000001
[0004]                    Asl Compiler ID : "INTL"
[0004]              Asl Compiler Revision : 00000000

[0004]                 Local Apic Address : FEE00000
[0004]              Flags (decoded below) : 00000001
                   PC-AT Compatibility : 1

/* offset 44: enabled, listed */
[0001]                      Subtable Type : 00
[0001]                             Length : 08
[0001]                       Processor ID : 00
[0001]                      Local Apic ID : 00
[0004]              Flags (decoded below) : 00000001
                     Processor Enabled : 1
                Runtime Online Capable : 0

/* offset 52: disabled, not listed */
[0001]                      Subtable Type : 00
[0001]                             Length : 08
[0001]                       Processor ID : 01
[0001]                      Local Apic ID : 01
[0004]              Flags (decoded below) : 00000000
                     Processor Enabled : 0
                Runtime Online Capable : 0

/* offset 60: online capable, listed */
[0001]                      Subtable Type : 00
[0001]                             Length : 08
[0001]                       Processor ID : 02
[0001]                      Local Apic ID : 02
[0004]              Flags (decoded below) : 00000002
                     Processor Enabled : 0
                Runtime Online Capable : 1

/* offset 68 */
[0001]                      Subtable Type : 01
[0001]                             Length : 0C
[0001]                        I/O Apic ID : 02
[0001]                           Reserved : 00
[0004]                            Address : FEC00000
[0004]                          Interrupt : 00000000

/* offset 80: x2APIC id 0x100, enabled, listed */
[0001]                      Subtable Type : 09
[0001]                             Length : 10
[0002]                           Reserved : 0000
[0004]                Processor x2Apic ID : 00000100
[0004]              Flags (decoded below) : 00000001
                     Processor Enabled : 1
[0004]                      Processor UID : 00000100

/* offset 96: disabled, not listed */
[0001]                      Subtable Type : 09
[0001]                             Length : 10
[0002]                           Reserved : 0000
[0004]                Processor x2Apic ID : 00000101
[0004]              Flags (decoded below) : 00000000
                     Processor Enabled : 0
[0004]                      Processor UID : 00000101

/* offset 112: online capable (set after iasl, see above), listed */
[0001]                      Subtable Type : 09
[0001]                             Length : 10
[0002]                           Reserved : 0000
[0004]                Processor x2Apic ID : 00012345
[0004]              Flags (decoded below) : 00000002
                     Processor Enabled : 0
[0004]                      Processor UID : 00000200

/* offset 128: an Interrupt Source Override, stepped over */
[0001]                      Subtable Type : 02
[0001]                             Length : 0A
[0001]                                Bus : 00
[0001]                             Source : 00
[0004]                          Interrupt : 00000002
[0002]              Flags (decoded below) : 0000
                              Polarity : 0
                          Trigger Mode : 0

/* offset 138: the largest x2APIC id short of all ones, enabled, listed */
[0001]                      Subtable Type : 09
[0001]                             Length : 10
[0002]                           Reserved : 0000
[0004]                Processor x2Apic ID : FFFFFFFE
[0004]              Flags (decoded below) : 00000001
                     Processor Enabled : 1
[0004]                      Processor UID : 00000007

/* offset 154: replaces the header's address */
[0001]                      Subtable Type : 05
[0001]                             Length : 0C
[0002]                           Reserved : 0000
[0008]                       APIC Address : 00000010FEE00000

/* offset 166: a Local APIC NMI, stepped over; the table ends at 172 */
[0001]                      Subtable Type : 04
[0001]                             Length : 06
[0001]                       Processor ID : FF
[0002]              Flags (decoded below) : 0005
                              Polarity : 1
                          Trigger Mode : 1
[0001]               Interrupt Input LINT : 01
