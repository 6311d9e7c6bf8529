"""Repair crews (抢修班组) and vehicles (抢修车辆): members, duty roster, status, last known
position, and the crew to suggest for a job (issue 14)."""
